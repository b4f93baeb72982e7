package dev.kboot.harness.baseline;

import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.TestResult;
import dev.kboot.launcher.ExitCode;
import java.util.ArrayList;
import java.util.List;

/**
 * The gate a CI job reads (kci-dev, tuxrun): {@link ExitCode#INCOMPLETE} (2) when the run is
 * incomplete (boot failure, crash, MISS, a suite that produced nothing, a run that did not finish),
 * else {@link ExitCode#FAILED} (1) for a regression (with a baseline: a test that passed there and fails
 * now, or a kernel incident whose title the baseline never showed) or any failure (without one) or an
 * expunge entry that matched nothing, else {@link ExitCode#OK} (0).
 *
 * @param exitCode the status to exit with
 * @param headline one line: {@code OK: 120 tests, no regression}, {@code INCOMPLETE: ...}
 * @param details  the lines behind it: each reason, each failing or regressed test
 */
public record Verdict(ExitCode exitCode, String headline, List<String> details) {
    /** Copies the list. */
    public Verdict {
        details = List.copyOf(details);
    }

    /**
     * @param run        the run
     * @param comparison the run against its baseline, or null when there is none
     * @return the verdict
     */
    public static Verdict of(RunResult run, Comparison comparison) {
        List<String> details = new ArrayList<>();
        List<String> incomplete = run.incompleteReasons();
        int n = run.tests().size();
        if (!incomplete.isEmpty()) {
            incomplete.forEach(r -> details.add("incomplete: " + r));
            addFailures(run, comparison, details);
            run.problems().forEach(p -> details.add("problem: " + p));
            return new Verdict(ExitCode.INCOMPLETE, "INCOMPLETE: " + incomplete.get(0)
                    + (incomplete.size() > 1 ? " (and " + (incomplete.size() - 1) + " more)" : ""), details);
        }
        int bad = addFailures(run, comparison, details);
        run.problems().forEach(p -> details.add("problem: " + p));
        if (bad > 0) {
            String what = comparison == null ? bad + " failure" + (bad == 1 ? "" : "s") : bad + " regression" + (bad == 1 ? "" : "s");
            return new Verdict(ExitCode.FAILED, "FAILED: " + what + " in " + n + " tests", details);
        }
        if (!run.problems().isEmpty()) {
            return new Verdict(ExitCode.FAILED, "FAILED: " + run.problems().get(0), details);
        }
        return new Verdict(ExitCode.OK, "OK: " + n + " tests, " + (comparison == null ? "no failure" : "no regression"), details);
    }

    private static int addFailures(RunResult run, Comparison comparison, List<String> details) {
        if (comparison == null) {
            List<TestResult> f = run.failures();
            f.forEach(t -> details.add(t.status().key() + ": " + t.id() + (t.reason().isEmpty() ? "" : ": " + t.reason())));
            return f.size();
        }
        List<Comparison.Entry> r = comparison.with(Change.REGRESSION);
        r.forEach(e -> details.add("regression: " + e.id() + " (" + e.base().key() + " -> " + e.head().key() + ")"));
        List<Comparison.Crash> c = comparison.crashesWith(Change.REGRESSION);
        c.forEach(x -> details.add("regression: new kernel " + (x.fatal() ? "crash" : "warning") + " '" + x.title() + "' "
                + (x.where().equals(List.of(Comparison.Crash.NO_TEST)) ? "while no test was running" : "during " + String.join(", ", x.where()))));
        return r.size() + c.size();
    }
}
