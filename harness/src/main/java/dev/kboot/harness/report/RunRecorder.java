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
    private java.util.function.Predicate<dev.kboot.harness.model.TestId> baselineScope = id -> true;
    private final java.util.Map<String, List<dev.kboot.harness.model.TestId>> expected = new java.util.LinkedHashMap<>();

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

    /**
     * Registers the tests a suite is expected to run, each as MISS ("not reached yet") until a result
     * replaces it, so a run killed before reaching them reports them MISS. Rewrites the files.
     *
     * @param suite the suite ({@code kselftest})
     * @param ids   its tests in run order (for kselftest: from {@code run_kselftest.sh -l})
     */
    public synchronized void expect(String suite, List<dev.kboot.harness.model.TestId> ids) {
        expected.put(suite, List.copyOf(ids));
        for (dev.kboot.harness.model.TestId id : ids) {
            if (run.find(id).isEmpty()) {
                run = run.with(TestResult.miss(id, "not reached: the run stopped before it"));
            }
        }
        write();
    }

    /**
     * Replaces one suite's results with a fresh parse of its output so far (the parsers are pure, so
     * re-parsing the growing output after each result line is the simple way to keep the files
     * current). Other suites' results keep their place. Tests registered with {@link #expect} and
     * absent from {@code results} stay MISS; the parser's {@code #N} placeholders are then dropped.
     *
     * @param suite   the suite whose results these are
     * @param results its results so far
     */
    public synchronized void replaceSuite(String suite, List<TestResult> results) {
        List<dev.kboot.harness.model.TestId> exp = expected.getOrDefault(suite, List.of());
        java.util.Map<dev.kboot.harness.model.TestId, TestResult> fresh = new java.util.LinkedHashMap<>();
        for (TestResult r : results) {
            boolean placeholder = r.status() == dev.kboot.harness.model.Status.MISS && r.id().name().startsWith("#");
            if (!(placeholder && !exp.isEmpty())) {
                fresh.put(r.id(), r);
            }
        }
        List<TestResult> out = new java.util.ArrayList<>();
        boolean placed = false;
        for (TestResult t : run.tests()) {
            if (!t.id().suite().equals(suite)) {
                out.add(t);
                continue;
            }
            if (!placed) {
                out.addAll(fresh.values());
                placed = true;
            }
            if (exp.contains(t.id()) && !fresh.containsKey(t.id())) {
                out.add(t);
            }
        }
        if (!placed) {
            out.addAll(fresh.values());
        }
        run = run.withTests(out);
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

    /** Records which shard of a partitioned run this is, and the partition once known. */
    public synchronized void sharding(dev.kboot.harness.model.Sharding s) {
        run = run.withSharding(s);
        write();
    }

    /**
     * Compares with only the baseline's tests {@code scope} accepts (a shard compares with the tests
     * of its own part, so that the other shards' tests are not reported missing). Rewrites the files.
     */
    public synchronized void narrowBaseline(java.util.function.Predicate<dev.kboot.harness.model.TestId> scope) {
        baselineScope = scope;
        write();
    }

    /** Updates the run facts (kernel release once booted, phase timings). */
    public synchronized void info(UnaryOperator<RunInfo> change) {
        run = run.withInfo(change.apply(run.info()));
        write();
    }

    /**
     * Marks the run finished and writes the final files, results.html included.
     *
     * @param end when it ended
     * @return the final run
     */
    public synchronized RunResult finish(Instant end) {
        run = run.finish(end);
        dir.write(run, comparison(), baselineName);
        dir.writeReport(run, comparison(), baselineName);
        return run;
    }

    /** @return the run as recorded so far */
    public synchronized RunResult current() {
        return run;
    }

    /** @return the run against the baseline, or null without one */
    public synchronized Comparison comparison() {
        if (baseline == null) {
            return null;
        }
        RunResult base = baseline.withTests(baseline.tests().stream().filter(t -> baselineScope.test(t.id())).toList());
        return Comparison.of(base, run);
    }

    /** @return the verdict on the run as recorded so far */
    public synchronized Verdict verdict() {
        return Verdict.of(run, comparison());
    }

    private void write() {
        dir.update(run, comparison(), baselineName);
    }
}
