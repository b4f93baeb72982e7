package dev.kboot.launcher.doctor;

import java.util.Objects;

/**
 * One line of {@code kboot doctor}: what was checked, how it came out, what was found and how to
 * fix it.
 *
 * @param name   what was checked ({@code qemu}, {@code CONFIG_VIRTIO_FS})
 * @param level  ok, warn or fail
 * @param detail what was found, one line
 * @param fix    what to do about a warning or failure, one line; empty when ok
 */
public record Check(String name, Level level, String detail, String fix) {
    /** How a check came out. */
    public enum Level {
        /** Nothing to do. */
        OK,
        /** kboot works, but slower or with less (TCG instead of KVM, no PVH entry). */
        WARN,
        /** kboot cannot boot this way until it is fixed. */
        FAIL;

        /** @return the lower-case name used in output ({@code ok}, {@code warn}, {@code fail}) */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Normalises nulls. */
    public Check {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(level, "level");
        detail = detail == null ? "" : detail;
        fix = fix == null ? "" : fix;
    }

    /** @return a passed check */
    public static Check ok(String name, String detail) {
        return new Check(name, Level.OK, detail, "");
    }

    /** @return a warning with its fix */
    public static Check warn(String name, String detail, String fix) {
        return new Check(name, Level.WARN, detail, fix);
    }

    /** @return a failure with its fix */
    public static Check fail(String name, String detail, String fix) {
        return new Check(name, Level.FAIL, detail, fix);
    }
}
