package dev.kboot.launcher.libvirt;

import java.util.List;

/**
 * What kboot did (or, in a dry run, would do) to one libvirt object.
 *
 * @param kind    "domain", "network", "pool" or "volume"
 * @param name    the object's name
 * @param actions in order, e.g. [UPDATED, RESTARTED]; never empty
 * @param diff    for UPDATED, the difference of the normalised inactive definitions (lines
 *                starting "- ", "+ " or "  "); else empty
 * @param notes   what the user should know (an overlay created, a share left out)
 * @param dryRun  whether nothing was changed
 */
public record Change(String kind, String name, List<Action> actions, List<String> diff, List<String> notes, boolean dryRun) {

    /** Copies the lists. */
    public Change {
        actions = List.copyOf(actions);
        diff = List.copyOf(diff);
        notes = List.copyOf(notes);
    }

    /** What happened to an object. */
    public enum Action {
        /** Defined where it was absent. */
        CREATED,
        /** Redefined, and its inactive definition differs. */
        UPDATED,
        /** Redefined, and its inactive definition is the same. */
        UNCHANGED,
        /** Started. */
        STARTED,
        /** Stopped (shut down, or destroyed after the timeout). */
        STOPPED,
        /** Stopped and started again (changed, or the policy says always). */
        RESTARTED,
        /** Undefined (prune). */
        DELETED;

        /** @return the word printed for it ("created") */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** @return one line: "domain vm1: updated, restarted" (with "(dry run)" when nothing changed) */
    public String line() {
        StringBuilder b = new StringBuilder(kind).append(' ').append(name).append(": ");
        for (int i = 0; i < actions.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(dryRun ? "would be " : "").append(actions.get(i).word());
        }
        return b.toString();
    }
}
