package dev.kboot.harness.baseline;

/** How a test's result moved from the baseline run to this one (kdevops, KernelCI). */
public enum Change {
    /** Passed in the baseline, fails now (FAIL, TIMEOUT, CRASH or ERROR). */
    REGRESSION,
    /** Failed in the baseline, passes now. */
    FIXED,
    /** Failed in both. */
    PERSISTENT_FAILURE,
    /** Failed first in this run and passed on a rerun (--rerun-failures). */
    UNSTABLE,
    /** Not in the baseline. */
    NEW,
    /** In the baseline, absent or MISS now: incomplete, never a pass. */
    MISSING,
    /** Passed in the baseline, skipped (SKIP or EXPUNGED) now. */
    COVERAGE_LOSS,
    /** Nothing that matters changed. */
    UNCHANGED;

    /** @return the lower-case name with dashes used in output ({@code persistent-failure}) */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
