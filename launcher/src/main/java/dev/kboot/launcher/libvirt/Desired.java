package dev.kboot.launcher.libvirt;

import java.util.Locale;
import java.util.Optional;

/**
 * The state an object should be in after a define or apply.
 *
 * @param state     running or stopped (a network or pool: active or inactive), or empty to leave it as it is
 * @param restart   when a running domain (an active network) is restarted
 * @param autostart whether libvirt starts it with the host, or empty to leave it
 */
public record Desired(Optional<State> state, Restart restart, Optional<Boolean> autostart) {

    /** @return leave the state alone; restart only when changed; leave autostart alone */
    public static Desired leave() {
        return new Desired(Optional.empty(), Restart.IFCHANGED, Optional.empty());
    }

    /** Running or not. */
    public enum State {
        /** Running (a domain), active (a network or pool). */
        RUNNING,
        /** Not running, not active. */
        STOPPED;

        /**
         * @param text running/active/started or stopped/inactive
         * @throws IllegalArgumentException otherwise
         */
        public static State parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "running", "active", "started" -> RUNNING;
                case "stopped", "inactive", "shutoff" -> STOPPED;
                default -> throw new IllegalArgumentException("expected running or stopped, found '" + text + "'");
            };
        }
    }

    /** When a running object is restarted (NixVirt's rule, REFERENCE.md section 7). */
    public enum Restart {
        /** Only when its inactive definition changed. */
        IFCHANGED,
        /** On every define or apply. */
        ALWAYS,
        /** Never (a change takes effect at its next start). */
        NEVER;

        /**
         * @param text ifchanged, always or never
         * @throws IllegalArgumentException otherwise
         */
        public static Restart parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "ifchanged" -> IFCHANGED;
                case "always" -> ALWAYS;
                case "never" -> NEVER;
                default -> throw new IllegalArgumentException("expected ifchanged, always or never, found '" + text + "'");
            };
        }
    }
}
