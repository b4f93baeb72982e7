package dev.kboot.harness.run;

import dev.kboot.harness.run.TestRun.Outcome;
import dev.kboot.harness.run.TestRun.Prepared;
import dev.kboot.harness.run.TestRun.Request;
import dev.kboot.harness.shard.Merge;
import dev.kboot.harness.shard.Shard;
import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.vm.Timings;
import dev.kboot.launcher.vm.VmOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code kboot test --jobs N}: one run's tests on N guests at once on this host, one verdict.
 *
 * <p>Guest I runs part I of N of the planned tests, exactly as {@code kboot test --shard I/N}
 * would on a host of its own: every guest plans every suite, and the deterministic LPT partition
 * of the planned units ({@link dev.kboot.harness.shard.Partition}, weighed by {@code --balance}
 * when given) names the tests it runs. Each guest has its own run directory (sockets, virtiofsd
 * processes, QEMU) and its own results directory, {@code guest-I/} inside the run's; when all have
 * ended their results are merged into the run's results directory as {@code kboot results merge}
 * does ({@link Merge}: each test once, MISS for those a guest never reached, one verdict, the
 * baseline compared with the merged run).
 *
 * <p>Daemons are not shared between guests: a vhost-user-fs socket serves one front-end (QEMU)
 * and virtiofsd serves a single connection, so each guest has its own {@code store} and
 * {@code modules} daemons (docs/benchmarks.md has the memory each guest costs).
 */
public final class ParallelRun {
    /** The most guests one run starts (a sanity limit, not a design limit). */
    public static final int MAX_JOBS = 64;

    private ParallelRun() {
    }

    /**
     * @param i a guest's number, 1 to N
     * @return its results directory's name inside the run's ({@code guest-I})
     */
    public static String guestDir(int i) {
        return "guest-" + i;
    }

    /**
     * Runs {@code r} on {@code jobs} guests. {@code r.target()} is opened once per guest (an
     * imageless boot target boots a new guest each time); its vmOptions' console log, if set, is
     * replaced by each guest's {@code guest-I/console.log}; notices are prefixed with the guest.
     *
     * @param r    the run, without a shard ({@code --shard} and {@code --jobs} do not combine)
     * @param jobs how many guests, 1 to {@link #MAX_JOBS}; 1 is {@link TestRun#run} itself
     * @return the merged results and their verdict
     * @throws KbootException 64 for a bad {@code jobs} or a sharded request; after the merged
     *                        results are written: 130 when interrupted, 125 when kboot's own side
     *                        failed in a guest's run; 73 when the results cannot be written
     */
    public static Outcome run(Request r, int jobs) {
        if (jobs < 1 || jobs > MAX_JOBS) {
            throw KbootException.usage("--jobs " + jobs + ": expected 1 to " + MAX_JOBS);
        }
        if (jobs == 1) {
            return TestRun.run(r);
        }
        Prepared p = r.prepared();
        if (p.shard() != null) {
            throw KbootException.usage("--jobs " + jobs + " with --shard " + p.shard()
                    + ": a shard runs on one guest; run each shard on its own host, or --jobs without --shard");
        }
        List<Path> dirs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        RuntimeException[] failures = new RuntimeException[jobs];
        for (int i = 1; i <= jobs; i++) {
            Path dir = r.resultsDir().resolve(guestDir(i));
            dirs.add(dir);
            // Runners of its own: a runner keeps what it found in its guest (kselftest's directory,
            // its copy with scaled timeouts), which is not the other guests'.
            List<TestRun.Selected> selected = p.selected().stream()
                    .map(s -> new TestRun.Selected(Runners.of(s.runner().suite()), s.profile(), s.label())).toList();
            Prepared part = new Prepared(selected, p.expunges(), p.baseline(), p.baselineName(), new Shard(i, jobs), p.weights());
            VmOptions o = r.vmOptions();
            String who = "guest " + i + "/" + jobs;
            Consumer<String> notices = o.notices() == null ? null
                    : line -> o.notices().accept(line.startsWith("kboot: ") ? "kboot: " + who + ": " + line.substring(7) : who + ": " + line);
            VmOptions mine = new VmOptions(o.liveConsole(), dir.resolve("console.log"), notices, i == 1 ? o.timings() : new Timings());
            Request ri = new Request(r.target(), part, dir, r.rerunFailures(), r.timeouts(), r.agentTimeout(), r.deadline(), mine,
                    r.kbootVersion(), r.progress());
            int index = i - 1;
            Thread t = new Thread(() -> {
                try {
                    TestRun.run(ri);
                } catch (RuntimeException e) {
                    failures[index] = e;
                }
            }, "kboot-guest-" + i);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    // every guest stops on Ctrl-C itself (Vm.interruptAll); their results are still merged
                    interrupted = true;
                }
            }
        }
        RuntimeException cantWrite = first(failures, ExitCode.CANT_CREATE);
        if (cantWrite != null) {
            throw cantWrite;
        }
        Merge.Outcome merged;
        try {
            SharedFiles.clear(r.resultsDir().resolve(TestRun.ARTIFACTS)); // an earlier run's, the merge copies the guests' in
            merged = Merge.run(new Merge.Request(dirs, r.resultsDir(), p.baselineName() == null ? null : Path.of(p.baselineName())));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new KbootException(ExitCode.CANT_CREATE, "cannot write the results in " + r.resultsDir() + ": " + e.getMessage(), null, e);
        }
        for (ExitCode c : new ExitCode[] {ExitCode.INTERRUPTED, ExitCode.INTERNAL}) {
            RuntimeException f = first(failures, c);
            if (f != null) {
                throw f;
            }
        }
        for (RuntimeException f : failures) {
            if (f != null) {
                throw f;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
        }
        return new Outcome(merged.run(), merged.verdict());
    }

    private static RuntimeException first(RuntimeException[] failures, ExitCode code) {
        for (RuntimeException f : failures) {
            if (f instanceof KbootException k && k.exitCode() == code) {
                return f;
            }
        }
        return null;
    }
}
