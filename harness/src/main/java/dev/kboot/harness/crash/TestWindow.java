package dev.kboot.harness.crash;

import dev.kboot.harness.model.TestId;

/**
 * When one test ran, on the console's clock: from the moment it was started to the moment its
 * result came. For a live run the unit is ms since the run started ({@link
 * dev.kboot.launcher.console.ConsoleLine#elapsedMs()}); for an imported log it is the line number.
 *
 * @param id      the test
 * @param startMs when it started (inclusive)
 * @param endMs   when its result came (inclusive), or {@link Long#MAX_VALUE} if it never ended
 */
public record TestWindow(TestId id, long startMs, long endMs) {
    /** @return a window for a test that started and has not ended (it was running when the log stopped) */
    public static TestWindow open(TestId id, long startMs) {
        return new TestWindow(id, startMs, Long.MAX_VALUE);
    }

    /** @return whether {@code t} falls in the window */
    public boolean contains(long t) {
        return t >= startMs && t <= endMs;
    }
}
