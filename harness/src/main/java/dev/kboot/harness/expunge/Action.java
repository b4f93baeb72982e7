package dev.kboot.harness.expunge;

/** What an expunge entry does to the tests it matches. */
public enum Action {
    /** Do not run the test (pass it to the suite's own skip option); report it EXPUNGED. */
    SKIP,
    /** Run the test; its failure is XFAIL (not a regression), its pass XPASS (reported). */
    XFAIL
}
