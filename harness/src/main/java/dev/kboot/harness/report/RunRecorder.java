package dev.kboot.harness.report;

import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.TestResult;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Keeps a run's results as they come and rewrites the results directory after every change, so a
 * killed run leaves valid partial results ({@code finished: false}). Thread-safe.
 */
public final class RunRecorder {
    private final ResultsDirectory dir;
    private final RunResult baseline;
    private final String baselineName;
    private RunResult run;

    /**
     * Writes the empty run at once (so even a run killed during boot leaves a results.json).
     *
     * @param dir          where to write
     * @param info         the run facts known at the start
     * @param suites       the suites asked for ({@code kselftest:quick})
     * @param baseline     the baseline run to compare with, or null
     * @param baselineName where the baseline came from, or null
     */
    public RunRecorder(ResultsDirectory dir, RunInfo info, List<String> suites, RunResult baseline, String baselineName) {
        this.dir = dir;
        this.baseline = baseline;
        this.baselineName = baselineName;
        this.run = RunResult.started(info, suites);
        write();
    }

    /** Records (or replaces, by id) one test's result and rewrites the files. */
    public synchronized void record(TestResult r) {
        run = run.with(r);
        write();
    }

    /** Records (or replaces) several results and rewrites the files once. */
    public synchronized void recordAll(List<TestResult> rs) {
        for (TestResult r : rs) {
            run = run.with(r);
        }
        write();
    }

    /** Replaces every result (after crash attribution or expunges) and rewrites the files. */
    public synchronized void replaceAll(List<TestResult> rs) {
        run = run.withTests(rs);
        write();
    }

    /** Records why the run is incomplete (boot failure, a suite that produced nothing). */
    public synchronized void incomplete(String reason) {
        run = run.incompleteBecause(reason);
        write();
    }

    /** Records a configuration problem found after the run (an unused expunge entry). */
    public synchronized void problem(String problem) {
        run = run.withProblem(problem);
        write();
    }

    /** Records a kernel incident no test was running at. */
    public synchronized void incident(Incident i) {
        run = run.withIncident(i);
        write();
    }

    /** Updates the run facts (kernel release once booted, phase timings). */
    public synchronized void info(UnaryOperator<RunInfo> change) {
        run = run.withInfo(change.apply(run.info()));
        write();
    }

    /**
     * Marks the run finished and writes the final files.
     *
     * @param end when it ended
     * @return the final run
     */
    public synchronized RunResult finish(Instant end) {
        run = run.finish(end);
        write();
        return run;
    }

    /** @return the run as recorded so far */
    public synchronized RunResult current() {
        return run;
    }

    /** @return the run against the baseline, or null without one */
    public synchronized Comparison comparison() {
        return baseline == null ? null : Comparison.of(baseline, run);
    }

    /** @return the verdict on the run as recorded so far */
    public synchronized Verdict verdict() {
        return Verdict.of(run, comparison());
    }

    private void write() {
        dir.write(run, comparison(), baselineName);
    }
}
