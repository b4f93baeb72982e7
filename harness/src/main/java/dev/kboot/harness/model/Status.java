package dev.kboot.harness.model;

/**
 * The verdict on one test, the status set of kdevops, tuxrun and KernelCI (REFERENCE.md section 6).
 * Infrastructure outcomes ({@link #ERROR}, {@link #TIMEOUT}, {@link #CRASH}, {@link #MISS}) are
 * kept apart from the test's own {@link #FAIL} and {@link #SKIP}.
 */
public enum Status {
    /** The test ran and passed. */
    PASS,
    /** The test ran and failed. */
    FAIL,
    /** The test ran past its time limit and was stopped (kselftest rc 124, {@code # TIMEOUT}). */
    TIMEOUT,
    /** The kernel crashed or hung (panic, Oops, BUG, KASAN, lockup, hung task) while the test ran. */
    CRASH,
    /** The test could not be judged: it broke, or its output was malformed. */
    ERROR,
    /** The test decided not to run (missing feature, config); the reason is kept. */
    SKIP,
    /** An expected failure: the test failed, and an expunge entry or the suite said it would. */
    XFAIL,
    /** An unexpected pass: an expected failure passed. Reported, never a failure. */
    XPASS,
    /** Not run by policy: an expunge entry with action skip. */
    EXPUNGED,
    /** Never ran: the boot failed, the kernel crashed earlier, or the output ended before it. */
    MISS;

    /** @return whether this counts as a failure for the verdict: FAIL, TIMEOUT, CRASH or ERROR */
    public boolean failed() {
        return this == FAIL || this == TIMEOUT || this == CRASH || this == ERROR;
    }

    /** @return whether this makes the run incomplete: CRASH (the kernel died) or MISS (never ran) */
    public boolean incomplete() {
        return this == CRASH || this == MISS;
    }

    /** @return whether the test ran and passed: PASS or XPASS */
    public boolean passed() {
        return this == PASS || this == XPASS;
    }

    /** @return whether the test did not run: SKIP, EXPUNGED or MISS */
    public boolean notRun() {
        return this == SKIP || this == EXPUNGED || this == MISS;
    }

    /** @return the lower-case name used in results.json and summaries ({@code pass}, {@code fail}, ...) */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * @param key a status name in any case ({@code pass}, {@code FAIL})
     * @return the status
     * @throws IllegalArgumentException if {@code key} names no status
     */
    public static Status ofKey(String key) {
        return valueOf(key.trim().toUpperCase(java.util.Locale.ROOT));
    }
}
