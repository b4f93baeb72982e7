package dev.kboot.harness.run;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a run reports while it goes: each suite's plan, each test as it starts and each result as it
 * is judged. Called from the run's thread, in order; implementations must not block.
 */
public interface Progress {
    /**
     * A suite's tests are known, in the order they will run (after the expunges' skips).
     *
     * @param suite      the suite as asked for ({@code kselftest:sample})
     * @param tests      the tests it will run; empty when the suite runs as one batch whose tests are
     *                   only known from its results (fstests, blktests, LTP)
     * @param expectedMs how long each test took before (the baseline's duration, else the profile's
     *                   {@code durations}), in ms; tests without a figure are absent
     */
    default void planned(String suite, List<TestId> tests, Map<TestId, Long> expectedMs) {
    }

    /** @param test the test (or a batch suite's run) that starts now */
    default void started(TestId test) {
    }

    /**
     * A stage of work that is no test ({@code reading console.log (2/3, 45.2 MiB)}, {@code judging 812
     * results}), shown where the running test would be until a test starts or the next stage.
     *
     * @param what the stage, one line
     */
    default void step(String what) {
    }

    /** @param result a judged result, as recorded */
    void finished(TestResult result);

    /**
     * @param out where each line goes
     * @return one line per finished test ({@code FAIL     command/flips (0.1 s): exit status 1}), the
     *         output when stderr is not a terminal
     */
    static Progress lines(Consumer<String> out) {
        return r -> out.accept(line(r));
    }

    /** @return the one-line form of a result: status, id, duration, and the reason unless it passed */
    static String line(TestResult t) {
        return String.format(Locale.ROOT, "%-8s %s%s%s", t.status(), t.id(),
                t.durationMs() == null ? "" : String.format(Locale.ROOT, " (%.1f s)", t.durationMs() / 1000.0),
                t.reason().isEmpty() || t.status() == Status.PASS ? "" : ": " + t.reason());
    }
}
