package dev.kboot.harness.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.expunge.Expunges;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.KselftestParser;
import dev.kboot.launcher.ExitCode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Baseline classification and the CI verdict, on runs made from captured kselftest output. */
class ComparisonTest {
    private static RunResult run(List<TestResult> tests) {
        return new RunResult(RunInfo.started("test", Instant.EPOCH), List.of("kselftest"), tests, List.of(), List.of(), List.of(), false)
                .finish(Instant.EPOCH);
    }

    private static RunResult run(String file) {
        return run(KselftestParser.parse(Captured.text(file)));
    }

    private static Map<String, Change> changes(Comparison c) {
        return c.tests().stream().collect(Collectors.toMap(e -> e.id().toString(), Comparison.Entry::change));
    }

    @Test
    void aTimeoutWhereTheBaselinePassedIsARegression() {
        RunResult base = run("kselftest/timers.tap");
        RunResult head = run("kselftest/timers-timeout.tap");
        Comparison c = Comparison.of(base, head);
        assertEquals(Change.REGRESSION, changes(c).get("kselftest/timers/raw_skew"));
        assertEquals(1, c.with(Change.REGRESSION).size());
        assertEquals(8, c.with(Change.UNCHANGED).size());
        Verdict v = Verdict.of(head, c);
        assertEquals(ExitCode.FAILED, v.exitCode());
        assertEquals("FAILED: 1 regression in 9 tests", v.headline());
        assertEquals(List.of("regression: kselftest/timers/raw_skew (pass -> timeout)"), v.details());
        assertEquals(Change.FIXED, changes(Comparison.of(head, base)).get("kselftest/timers/raw_skew"));
    }

    @Test
    void persistentFailuresAreNotRegressions() {
        RunResult multi = run("kselftest/multi.tap");
        Comparison c = Comparison.of(multi, multi);
        assertEquals(2, c.with(Change.PERSISTENT_FAILURE).size());
        assertEquals(ExitCode.OK, Verdict.of(multi, c).exitCode(), "with a baseline only regressions fail");
        assertEquals(ExitCode.FAILED, Verdict.of(multi, null).exitCode(), "without one any failure does");
        assertEquals("FAILED: 2 failures in 14 tests", Verdict.of(multi, null).headline());
    }

    @Test
    void aCutShortRunIsMissingAndIncomplete() {
        RunResult base = run("kselftest/timers.tap");
        RunResult head = run("kselftest/timers-truncated.tap");
        Map<String, Change> ch = changes(Comparison.of(base, head));
        assertEquals(Change.MISSING, ch.get("kselftest/timers/raw_skew"));
        assertEquals(Change.MISSING, ch.get("kselftest/timers/rtcpie"), "absent from head");
        assertEquals(Change.NEW, ch.get("kselftest/timers/#8"));
        Verdict v = Verdict.of(head, Comparison.of(base, head));
        assertEquals(ExitCode.INCOMPLETE, v.exitCode());
        assertEquals("INCOMPLETE: 3 tests never ran (MISS)", v.headline());
    }

    @Test
    void coverageLossAndUnstable() {
        RunResult base = run("kselftest/timers.tap");
        List<TestResult> expunged = Expunges.parse("- {suite: kselftest, tests: [timers/posix_timers], action: skip, reason: slow}",
                Path.of("x.yaml")).forRun("kselftest", null, null).apply(base.tests());
        assertEquals(Change.COVERAGE_LOSS, changes(Comparison.of(base, run(expunged))).get("kselftest/timers/posix_timers"));
        List<TestResult> rerun = base.tests().stream().map(t -> t.id().name().equals("nanosleep") ? t.withUnstable(true) : t).toList();
        Comparison c = Comparison.of(base, run(rerun));
        assertEquals(Change.UNSTABLE, changes(c).get("kselftest/timers/nanosleep"));
        assertEquals(ExitCode.OK, Verdict.of(run(rerun), c).exitCode());
    }

    @Test
    void anXfailIsNeverARegressionAndProblemsFail() {
        RunResult multi = run("kselftest/multi.tap");
        List<TestResult> x = Expunges.parse("- {suite: kselftest, tests: ['exec/execveat', 'breakpoints/step_after_suspend_test'], action: xfail, reason: known}",
                Path.of("x.yaml")).forRun("kselftest", null, null).apply(multi.tests());
        RunResult head = run(x);
        assertEquals(ExitCode.OK, Verdict.of(head, null).exitCode());
        assertEquals(0, Comparison.of(run(multi.tests().stream().map(t -> t.withStatus(Status.PASS)).toList()), head)
                .with(Change.REGRESSION).size());
        Verdict p = Verdict.of(head.withProblem("expunges[3] (kselftest: net/*) matched no test of this run"), null);
        assertEquals(ExitCode.FAILED, p.exitCode());
        assertTrue(p.headline().contains("matched no test"));
    }

    @Test
    void anUnfinishedRunIsIncomplete() {
        RunResult partial = RunResult.started(RunInfo.started("test", Instant.EPOCH), List.of("kselftest"))
                .withTests(KselftestParser.parse(Captured.text("kselftest/size.tap")));
        Verdict v = Verdict.of(partial, null);
        assertEquals(ExitCode.INCOMPLETE, v.exitCode());
        assertEquals("INCOMPLETE: the run did not finish (1 results written before it stopped)", v.headline());
        assertEquals(Map.of(Status.PASS, 1), partial.counts().entrySet().stream().filter(e -> e.getValue() > 0)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        assertEquals(Function.identity().apply(0), (int) partial.counts().get(Status.FAIL));
    }
}
