package dev.kboot.harness.parse;

import dev.kboot.harness.model.TestResult;

/**
 * A result with the lines of its input it came from, so a crash seen on the same lines can be
 * attributed to the test that was running (see {@link dev.kboot.harness.crash.CrashAttribution}).
 *
 * @param result    the judged result
 * @param firstLine the first input line (0-based) that belongs to the test, or -1 if it never started
 * @param lastLine  its last line (its result line, or the end of the input when it never reported)
 */
public record Located(TestResult result, int firstLine, int lastLine) {
    /** @return the results alone, in order */
    public static java.util.List<TestResult> results(java.util.List<Located> located) {
        return located.stream().map(Located::result).toList();
    }
}
