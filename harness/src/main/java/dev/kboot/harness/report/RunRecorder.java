package dev.kboot.harness.report;

import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.TestResult;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Keeps a run's results as they come and rewrites the results directory (results.json, junit.xml,
 * summary.txt; each replaced atomically, so never torn) as they change, so a killed run leaves
 * valid partial results ({@code finished: false}); each result is also appended to results.journal
 * ({@link ResultsJournal}) as it is recorded, so a killed run loses none. Thread-safe.
 *
 * <p>When the files are rewritten: every change to the run's facts (incomplete, problems,
 * incidents, sharding, run info, a suite's expected tests) at once; a test result at once while
 * the run holds at most {@value #IMMEDIATE_TESTS} results (a rewrite is then well under a
 * millisecond of rendering), and beyond that at most once per {@link #DEFAULT_WINDOW}: the first
 * result after a quiet window is written at once, later ones by a timer at the window's end. A
 * rewrite renders every result so far, so writing after every test cost O(tests) per test, O(N^2)
 * over a run (bench/test-overhead-bench.sh); batched, it is O(N) over the run. {@link #flush} (at
 * each suite's end) and {@link #finish} (on every ending, Ctrl-C and SIGTERM included) write what
 * is pending. A SIGKILL (or a host crash) leaves results.json as of the last rewrite, at most
 * {@link #DEFAULT_WINDOW} old, and the journal with every result recorded since (one line each,
 * O(1)); results.json's {@code journalSeq} says which lines it already holds, and
 * {@link ResultsJson#read} folds in the others. {@link #finish} deletes the journal once the final
 * files are written. A rewrite the timer could not make (a full or read-only disk) leaves the last
 * good files and is thrown, as {@link UncheckedIOException}, by the recorder's next call.
 */
public final class RunRecorder {
    /** Up to this many results, each result is written at once. */
    public static final int IMMEDIATE_TESTS = 32;
    /** Beyond {@link #IMMEDIATE_TESTS} results, the longest a result waits to be written: 1 s. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(1);
    /** One daemon thread for every recorder's delayed writes (--jobs N has N recorders). */
    private static final class Timer {
        static final ScheduledExecutorService EXECUTOR = executor();

        private static ScheduledExecutorService executor() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, task -> {
                Thread t = new Thread(task, "kboot-results-writer");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            return e;
        }
    }

    private final ResultsDirectory dir;
    /** Every result as recorded, one line each: what results.json lacks until the next rewrite. */
    private final ResultsJournal journal;
    private final RunResult baseline;
    private final String baselineName;
    private final long windowNanos;
    /** The run without its tests: those are {@link #tests} ({@link #snapshot} puts them together). */
    private RunResult run;
    /** The results in run order: one recorded is O(1), not a copy of the run (O(tests)). */
    private final List<TestResult> tests = new java.util.ArrayList<>();
    /** Where each test's (first) result is in {@link #tests}. */
    private final java.util.Map<dev.kboot.harness.model.TestId, Integer> positions = new java.util.HashMap<>();
    /** Whether the run has changed since the files were last written. */
    private boolean pending;
    /** When the files were last written (System.nanoTime). */
    private long lastWrite;
    /** The timer's write of what is pending, while one is scheduled. */
    private ScheduledFuture<?> scheduled;
    /** Which scheduled write is current: a cancelled one that already runs finds it changed. */
    private long timerToken;
    /** A write the timer failed to make, thrown by the next call. */
    private UncheckedIOException failed;
    private java.util.function.Predicate<dev.kboot.harness.model.TestId> baselineScope = id -> true;
    private final java.util.Map<String, List<dev.kboot.harness.model.TestId>> expected = new java.util.LinkedHashMap<>();

    /**
     * Writes the empty run at once (so even a run killed during boot leaves a results.json), and
     * starts an empty results.journal (an earlier run's in the directory is replaced).
     *
     * @param dir          where to write
     * @param info         the run facts known at the start
     * @param suites       the suites asked for ({@code kselftest:quick})
     * @param baseline     the baseline run to compare with, or null
     * @param baselineName where the baseline came from, or null
     * @throws UncheckedIOException if the files cannot be written
     */
    public RunRecorder(ResultsDirectory dir, RunInfo info, List<String> suites, RunResult baseline, String baselineName) {
        this(dir, info, suites, baseline, baselineName, DEFAULT_WINDOW);
    }

    /**
     * As {@link #RunRecorder(ResultsDirectory, RunInfo, List, RunResult, String)}, with another
     * window for batching results (tests).
     *
     * @param window the longest a result waits to be written beyond {@link #IMMEDIATE_TESTS} results; positive
     */
    RunRecorder(ResultsDirectory dir, RunInfo info, List<String> suites, RunResult baseline, String baselineName, Duration window) {
        this.dir = dir;
        this.baseline = baseline;
        this.baselineName = baselineName;
        this.windowNanos = window.toNanos();
        this.run = RunResult.started(info, suites);
        this.journal = new ResultsJournal(dir.dir().resolve(ResultsDirectory.RESULTS_JOURNAL)); // before results.json: no stale line is folded into it
        try {
            write();
        } catch (RuntimeException e) {
            journal.close();
            throw e;
        }
    }

    /**
     * Records (or replaces, by id) one test's result: appended to results.journal now, the files
     * rewritten at once or within {@link #DEFAULT_WINDOW} (see the class comment).
     *
     * @throws UncheckedIOException if the journal or the files cannot be written now, or a delayed write failed
     */
    public synchronized void record(TestResult r) {
        put(r);
        journal.put(r);
        changed();
    }

    /** Records (or replaces) several results; written as {@link #record} is. */
    public synchronized void recordAll(List<TestResult> rs) {
        for (TestResult r : rs) {
            put(r);
            journal.put(r);
        }
        changed();
    }

    /**
     * Writes what is pending now (at a suite's end).
     *
     * @throws UncheckedIOException if the files cannot be written, or a delayed write failed
     */
    public synchronized void flush() {
        rethrow();
        if (pending) {
            write();
        }
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
            if (!positions.containsKey(id)) {
                put(TestResult.miss(id, "not reached: the run stopped before it"));
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
        for (TestResult t : tests) {
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
        journalSuite(suite, out);
        reset(out);
        changed();
    }

    /**
     * Journals what {@link #replaceSuite} changes: each result new or changed, each of the suite's
     * tests gone. O(suite), as the replacement is.
     */
    private void journalSuite(String suite, List<TestResult> out) {
        java.util.Set<dev.kboot.harness.model.TestId> kept = new java.util.HashSet<>();
        for (TestResult r : out) {
            kept.add(r.id());
            Integer at = positions.get(r.id());
            if (at == null || !tests.get(at).equals(r)) {
                journal.put(r);
            }
        }
        for (TestResult t : tests) {
            if (t.id().suite().equals(suite) && !kept.contains(t.id())) {
                journal.drop(t.id());
            }
        }
    }

    /** Replaces every result (after crash attribution or expunges) and rewrites the files. */
    public synchronized void replaceAll(List<TestResult> rs) {
        reset(rs);
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
        cancel();
        failed = null; // the files are written whole now, or this throws
        run = run.finish(end);
        pending = false;
        lastWrite = System.nanoTime();
        RunResult done = snapshot();
        Comparison c = comparison(done);
        dir.write(done, c, baselineName);
        journal.delete(); // results.json holds every result, durably, and says finished: readers ignore a journal
        dir.writeReport(done, c, baselineName);
        return done;
    }

    /** @return the run as recorded so far */
    public synchronized RunResult current() {
        return snapshot();
    }

    /** @return the run against the baseline, or null without one */
    public synchronized Comparison comparison() {
        return comparison(snapshot());
    }

    private Comparison comparison(RunResult head) {
        if (baseline == null) {
            return null;
        }
        RunResult base = baseline.withTests(baseline.tests().stream().filter(t -> baselineScope.test(t.id())).toList());
        return Comparison.of(base, head);
    }

    /** @return the verdict on the run as recorded so far */
    public synchronized Verdict verdict() {
        RunResult now = snapshot();
        return Verdict.of(now, comparison(now));
    }

    /** Records one result: in place of the first with its id (as {@link RunResult#with}), else at the end. */
    private void put(TestResult r) {
        Integer at = positions.get(r.id());
        if (at != null) {
            tests.set(at, r);
        } else {
            positions.put(r.id(), tests.size());
            tests.add(r);
        }
    }

    /** Replaces every result with {@code rs}, in their order (as {@link RunResult#withTests}). */
    private void reset(List<TestResult> rs) {
        List<TestResult> copy = List.copyOf(rs);
        tests.clear();
        positions.clear();
        for (TestResult r : copy) {
            positions.putIfAbsent(r.id(), tests.size());
            tests.add(r);
        }
    }

    /** @return the run with its tests (a copy: O(tests)) */
    private RunResult snapshot() {
        return run.withTests(tests);
    }

    /** A test result changed the run: write it now or within the window. */
    private void changed() {
        rethrow();
        pending = true;
        if (tests.size() <= IMMEDIATE_TESTS || System.nanoTime() - lastWrite >= windowNanos) {
            write();
        } else if (scheduled == null) {
            long delay = Math.max(0, lastWrite + windowNanos - System.nanoTime());
            long mine = ++timerToken;
            scheduled = Timer.EXECUTOR.schedule(() -> delayed(mine), delay, TimeUnit.NANOSECONDS);
        }
    }

    /** The timer's write: what is pending, unless a write made since took it. */
    private synchronized void delayed(long token) {
        if (token != timerToken) {
            return; // cancelled while it waited for the lock
        }
        scheduled = null;
        if (!pending || failed != null || run.finished()) {
            return;
        }
        try {
            write();
        } catch (UncheckedIOException e) {
            failed = e;
        } catch (RuntimeException e) {
            failed = new UncheckedIOException(new java.io.IOException("cannot write the results: " + e, e));
        }
    }

    /** @return whether a delayed write failed and is still to be thrown (for tests) */
    synchronized boolean delayedWriteFailed() {
        return failed != null;
    }

    private void rethrow() {
        if (failed != null) {
            UncheckedIOException e = failed;
            failed = null;
            throw e;
        }
    }

    private void cancel() {
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
            timerToken++;
        }
    }

    /** Rewrites the files with the run as it is now (any pending result included). */
    private void write() {
        cancel();
        RunResult now = snapshot();
        if (run.finished()) {
            dir.update(now, comparison(now), baselineName); // after finish: the journal is gone
        } else {
            dir.update(now, comparison(now), baselineName, journal.seq());
        }
        pending = false;
        failed = null;
        lastWrite = System.nanoTime();
    }
}
