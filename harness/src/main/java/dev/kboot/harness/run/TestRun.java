package dev.kboot.harness.run;

import dev.kboot.harness.expunge.Expunges;
import dev.kboot.harness.expunge.SuiteExpunges;
import dev.kboot.harness.crash.CrashAttribution;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Sharding;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.report.ResultsDirectory;
import dev.kboot.harness.report.ResultsJson;
import dev.kboot.harness.report.RunRecorder;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.shard.Owners;
import dev.kboot.harness.shard.Partition;
import dev.kboot.harness.shard.Shard;
import dev.kboot.harness.shard.Weights;
import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.console.CrashWatch;
import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.guest.GuestException;
import dev.kboot.launcher.guest.OutputLimitException;
import dev.kboot.launcher.process.Deadline;
import dev.kboot.launcher.guest.GuestTarget;
import dev.kboot.launcher.vm.GuestFacts;
import dev.kboot.launcher.vm.VmOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One {@code kboot test} run: boot the guest with its agent, run each suite's tests one at a
 * time, judge each as it finishes (results.json, junit.xml and summary.txt are rewritten after
 * every test, so a killed run leaves valid partial results), watch the console for crashes and
 * hangs, and give the verdict.
 *
 * <p>Everything that can be checked before the boot is (the suites, their profiles, the expunge
 * and baseline files: exit 64-66). Once the boot starts, every ending is a verdict: a boot that
 * fails, a crash, a hang past --timeout or a suite that produces nothing make the run incomplete
 * (exit 2), the tests never reached MISS.
 */
public final class TestRun {
    /**
     * What to run.
     *
     * @param target         what to boot or attach to ({@link GuestTarget#boot} for an imageless QEMU boot)
     * @param prepared       the suites, expunges and baseline, checked ({@link #prepare})
     * @param resultsDir     where results.json, junit.xml and summary.txt go
     * @param rerunFailures  how many times a failing test is rerun (a pass then makes it unstable)
     * @param timeouts       the per-test timeout where a profile sets none, and the accelerator's factor
     * @param agentTimeout   how long the boot may take until the agent answers
     * @param deadline       the whole run's deadline (--timeout)
     * @param vmOptions      console and notices
     * @param kbootVersion   kboot's version, for the results
     * @param progress       the plan, each test's start and each result as it comes ({@link Progress}), or null
     */
    public record Request(GuestTarget target, Prepared prepared, Path resultsDir, int rerunFailures,
                          Timeouts timeouts, Duration agentTimeout, Deadline deadline, VmOptions vmOptions, String kbootVersion,
                          Progress progress) {
    }

    /**
     * The outcome.
     *
     * @param run     the results as written
     * @param verdict the verdict and its exit code
     */
    public record Outcome(RunResult run, Verdict verdict) {
    }

    /**
     * One {@code --suite} value, resolved.
     *
     * @param runner  the suite's runner
     * @param profile its profile
     * @param label   the value as given ({@code kselftest:sample})
     */
    public record Selected(SuiteRunner runner, Profile profile, String label) {
    }

    /**
     * What a run needs that can be checked before booting.
     *
     * @param selected     the suites with their runners and profiles
     * @param expunges     the expunges (none when no file was given)
     * @param baseline     the baseline run, or null
     * @param baselineName where the baseline came from, or null
     * @param shard        the part of the partitioned run to run ({@code --shard I/N}), or null to run every test
     * @param weights      the partition's weights ({@code --balance}); equal weights when none was given
     */
    public record Prepared(List<Selected> selected, Expunges expunges, RunResult baseline, String baselineName,
                           Shard shard, Weights weights) {
        /** Without sharding. */
        public Prepared(List<Selected> selected, Expunges expunges, RunResult baseline, String baselineName) {
            this(selected, expunges, baseline, baselineName, null, Weights.equal());
        }
    }

    /**
     * Checks the suites and reads the expunge and baseline files, before anything boots.
     *
     * @param suites   {@code SUITE[:PROFILE]} values, in order
     * @param expunges an expunge file, or null
     * @param baseline a baseline results.json (or its directory), or null
     * @throws KbootException 64 for an unknown suite or profile, 65 for a malformed file, 66 for a missing one
     */
    public static Prepared prepare(List<String> suites, Path expunges, Path baseline) {
        return prepare(suites, expunges, baseline, null, null);
    }

    /**
     * As {@link #prepare(List, Path, Path)}, for one shard of a partitioned run.
     *
     * @param shard   the shard to run ({@code --shard}), or null for every test
     * @param balance an earlier results.json (or its directory) whose durations weigh the partition, or null
     * @throws KbootException as above; 65/66 for a malformed or missing balance file
     */
    public static Prepared prepare(List<String> suites, Path expunges, Path baseline, Shard shard, Path balance) {
        Weights weights = balance == null ? Weights.equal() : Weights.read(balance);
        Prepared p = prepareSuites(suites, expunges, baseline);
        return new Prepared(p.selected(), p.expunges(), p.baseline(), p.baselineName(), shard, weights);
    }

    private static Prepared prepareSuites(List<String> suites, Path expunges, Path baseline) {
        Expunges ex = expunges == null ? Expunges.none() : Expunges.load(expunges);
        RunResult base = baseline == null ? null : ResultsJson.read(baseline);
        List<Selected> selected = new ArrayList<>();
        for (String s : suites) {
            String name = s.contains(":") ? s.substring(0, s.indexOf(':')) : s;
            String profile = s.contains(":") ? s.substring(s.indexOf(':') + 1) : null;
            Profile p = Profile.resolve(name, profile);
            p.durations(); // a malformed value is a file error now, not after the boot
            selected.add(new Selected(Runners.of(name), p, s));
        }
        return new Prepared(List.copyOf(selected), ex, base, baseline == null ? null : baseline.toString());
    }

    private TestRun() {
    }

    /** Where a run's guest writes through kboot's writable share, inside the results directory. */
    public static final String ARTIFACTS = "artifacts";

    /**
     * Runs the request. Every ending leaves finished results (results.json, junit.xml,
     * summary.txt) with what had finished, the rest MISS: a verdict is returned, or one of the
     * exceptions below is thrown after the results are written.
     *
     * <p>The guest's writable share is {@code artifacts/} in the results directory, so what
     * fstests, blktests or LTP write there is on the disk the user chose as it is written (never
     * on the runtime directory's tmpfs) and stays after a crash, a kill or Ctrl-C. Symlinks and
     * other special files the guest made there are removed before anything in it is read.
     *
     * @return the results and the verdict
     * @throws KbootException 130 when interrupted (Ctrl-C, SIGTERM); 125 when kboot's own side
     *                        failed (the results say so); 73 when the results cannot be written;
     *                        64-66 for a profile found malformed only when planned
     */
    public static Outcome run(Request r) {
        Expunges expunges = r.prepared().expunges();
        List<Selected> selected = r.prepared().selected();
        GuestFacts facts = r.target().facts();
        RunInfo info = RunInfo.started(r.kbootVersion(), Instant.now())
                .withKernel(facts.kernelRelease(), facts.kernelCmdline())
                .withBootspec(facts.label(), facts.toplevel())
                .withMachine(facts.emulator(), facts.accelerator())
                .withTimeoutFactor(r.timeouts().factor());
        Path artifacts = r.resultsDir().resolve(ARTIFACTS);
        RunRecorder rec;
        try {
            SharedFiles.clear(artifacts); // an earlier run's, which a parser would read as this run's
            rec = new RunRecorder(new ResultsDirectory(r.resultsDir()), info,
                    selected.stream().map(Selected::label).toList(), r.prepared().baseline(), r.prepared().baselineName());
        } catch (IOException | java.io.UncheckedIOException e) {
            throw cannotWrite(r, e);
        }
        Shard shard = r.prepared().shard();
        if (shard != null) {
            rec.sharding(Sharding.startOf(shard.index(), shard.count(), r.prepared().weights().source()));
        }
        Guest guest = null;
        try {
            try {
                guest = r.target().open(r.vmOptions().withTransferDir(artifacts), r.agentTimeout());
            } catch (KbootException e) {
                if (e.exitCode() == ExitCode.INTERRUPTED) {
                    rec.incomplete("interrupted before the guest booted");
                    throw e;
                }
                if (e.exitCode() == ExitCode.INTERNAL) {
                    rec.incomplete("kboot failed booting the guest: " + e.getMessage());
                    throw e;
                }
                rec.incomplete("the guest did not boot: " + e.getMessage());
                rec.problem(e.detail() == null ? e.getMessage() : e.getMessage() + "\n" + e.detail());
                return finish(rec, r, null);
            }
            try (Guest g = guest) {
                String release = facts.kernelRelease();
                if (release == null || facts.kernelCmdline() == null) {
                    // a machine that cannot tell before it runs (a libvirt domain booting its disk): ask the guest
                    GuestFacts known;
                    try {
                        known = g.facts();
                    } catch (GuestException e) {
                        rec.incomplete("the guest stopped answering before any test: " + e.getMessage());
                        return finish(rec, r, g);
                    }
                    release = known.kernelRelease();
                    rec.info(i -> i.withKernel(known.kernelRelease(), known.kernelCmdline()));
                }
                Runner runner = new TestRun.Runner(r, g, rec, expunges, release, artifacts);
                try {
                    runner.runAll(selected);
                } catch (KbootException e) {
                    if (e.exitCode() != ExitCode.INTERRUPTED && !g.vm().interrupted()) {
                        rec.incomplete(e.exitCode() == ExitCode.INTERNAL ? "kboot failed: " + e.getMessage() : e.getMessage());
                    }
                    throw g.vm().interrupted() ? new KbootException(ExitCode.INTERRUPTED, "interrupted") : e;
                }
                if (g.vm().interrupted()) {
                    throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
                }
                if (g.vm().isRunning() && !runner.guestLost) {
                    g.shutdown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                rec.incomplete("interrupted");
                throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
            }
            return finish(rec, r, guest);
        } catch (java.io.UncheckedIOException e) {
            throw cannotWrite(r, e);
        } finally {
            removeLinks(artifacts, r);
            if (!rec.current().finished()) {
                try {
                    finish(rec, r, guest);
                } catch (RuntimeException e) {
                    // the results cannot be written (the exception on its way out says why)
                }
            }
        }
    }

    private static KbootException cannotWrite(Request r, Exception e) {
        return new KbootException(ExitCode.CANT_CREATE, "cannot write the results in " + r.resultsDir() + ": " + e.getMessage(), null, e);
    }

    /** Removes what the guest linked in the share, saying so in a notice. Never throws. */
    private static void removeLinks(Path artifacts, Request r) {
        try {
            List<String> removed = SharedFiles.removeLinks(artifacts);
            if (!removed.isEmpty() && r.vmOptions().notices() != null) {
                r.vmOptions().notices().accept("kboot: removed " + removed.size() + " symlink(s) or special file(s) the guest made in "
                        + artifacts + " (not followed): " + String.join(", ", removed.subList(0, Math.min(10, removed.size())))
                        + (removed.size() > 10 ? ", ..." : ""));
            }
        } catch (IOException | RuntimeException e) {
            // best effort: nothing in it is read before a removal anyway
        }
    }

    private static Outcome finish(RunRecorder rec, Request r, Guest guest) {
        if (guest != null) {
            rec.info(i -> i.withPhases(guest.vm().timings().marks()));
        }
        RunResult run = rec.finish(Instant.now());
        return new Outcome(run, rec.verdict());
    }

    /** The part of a run that has a guest. */
    private static final class Runner {
        private final Request r;
        private final Guest guest;
        private final RunRecorder rec;
        private final Expunges expunges;
        private final String release;
        private final Path artifacts;
        private boolean stopped;
        /** The guest crashed, hung or went away: it is released, not asked to power off. */
        private boolean guestLost;

        Runner(Request r, Guest guest, RunRecorder rec, Expunges expunges, String release, Path artifacts) {
            this.r = r;
            this.guest = guest;
            this.rec = rec;
            this.expunges = expunges;
            this.release = release;
            this.artifacts = artifacts;
        }

        void runAll(List<Selected> selected) {
            if (r.prepared().shard() == null) {
                // Without shards each suite is planned just before it runs, in the guest as the
                // suites before it left it: an earlier suite may prepare a later one (install it,
                // make its devices).
                for (Selected s : selected) {
                    if (stopped) {
                        rec.incomplete("suite " + s.label() + " never started: the run stopped earlier");
                        continue;
                    }
                    planSuite(s).ifPresent(p -> {
                        register(p, t -> true);
                        runSuite(p, t -> true);
                    });
                }
                return;
            }
            // A shard plans every suite before any test runs: it needs the whole plan to know its
            // part (so a suite must be installed in the closure, not by an earlier suite), and a
            // run that stops early can then name every test it never reached.
            List<Planned> plans = new ArrayList<>();
            for (Selected s : selected) {
                if (stopped) {
                    rec.incomplete("suite " + s.label() + " never started: the run stopped earlier");
                    continue;
                }
                planSuite(s).ifPresent(plans::add);
            }
            Predicate<PlannedTest> mine = assign(plans);
            plans.forEach(p -> register(p, mine));
            for (Planned p : plans) {
                if (stopped) {
                    rec.incomplete("suite " + p.selected().label() + " never started: the run stopped earlier");
                    continue;
                }
                runSuite(p, mine);
            }
        }

        /** Records a plan's expunged tests, and its tests this run runs as MISS until they end. */
        private void register(Planned p, Predicate<PlannedTest> mine) {
            p.plan().expunged().forEach(rec::record);
            if (p.selected().runner().plansEachTest()) {
                rec.expect(p.selected().runner().suite(), p.plan().tests().stream().filter(mine).map(PlannedTest::id).toList());
            }
        }

        /** One suite's plan, with the expunges that apply to it. */
        private record Planned(Selected selected, SuiteExpunges expunges, SuiteRunner.Plan plan) {
            /** @return whether its one planned unit runs the whole suite (fstests, blktests, LTP), its results having ids of their own */
            boolean wholeSuite() {
                return !selected.runner().plansEachTest() && plan.tests().size() == 1;
            }

            /**
             * @return the partition's key for a planned test: its id, or for a whole-suite run
             *         {@code SUITE/(run)/PROFILE}, so each profile (an fstests section) is a unit of its own
             */
            String unitKey(PlannedTest t) {
                if (!wholeSuite()) {
                    return t.id().toString();
                }
                // a profile file's name, not its path: hosts check the same files out in different places
                String profile = selected.profile().name();
                return selected.runner().suite() + "/(run)/" + profile.substring(profile.lastIndexOf('/') + 1);
            }
        }

        /** @return the suite's plan, or empty when it cannot run (recorded as ERROR and incomplete) */
        private Optional<Planned> planSuite(Selected s) {
            SuiteRunner runner = s.runner();
            SuiteExpunges sx = expunges.forRun(runner.suite(), s.profile().name(), release);
            SuiteRunner.Plan plan;
            try {
                Optional<String> missing = runner.unavailable(guest, s.profile());
                if (missing.isPresent()) {
                    rec.record(TestResult.of(TestId.of(runner.suite(), "(suite)"), Status.ERROR, "", missing.get()));
                    rec.incomplete("suite " + s.label() + " produced nothing: " + missing.get());
                    return Optional.empty();
                }
                plan = runner.plan(guest, s.profile(), sx, r.timeouts());
            } catch (GuestException e) {
                crashed(null, e);
                return Optional.empty();
            } catch (KbootException e) {
                if (e.exitCode() == ExitCode.INTERRUPTED || e.exitCode() == ExitCode.INTERNAL || e.exitCode() == ExitCode.USAGE
                        || e.exitCode() == ExitCode.DATA || e.exitCode() == ExitCode.NO_INPUT) {
                    throw e; // the run ends with its code (the results are finished on the way out)
                }
                suiteFailed(s, e);
                return Optional.empty();
            } catch (RuntimeException e) {
                // a runner's own failure (a host file it cannot write, a guest command it needed):
                // this suite cannot run, the others still may
                suiteFailed(s, e);
                return Optional.empty();
            }
            if (plan.tests().isEmpty()) {
                plan.expunged().forEach(rec::record);
                rec.incomplete("suite " + s.label() + " produced nothing: its profile selects no test in this guest");
                return Optional.empty();
            }
            return Optional.of(new Planned(s, sx, plan));
        }

        /**
         * Which planned tests this run runs: all of them, or with {@code --shard I/N} the tests of
         * part I of the partition of every suite's planned units (recorded in the results, with the
         * baseline narrowed to this shard's tests).
         */
        private Predicate<PlannedTest> assign(List<Planned> plans) {
            Shard shard = r.prepared().shard();
            if (shard == null) {
                return t -> true;
            }
            if (stopped) {
                // The plan is cut short: its partition would not be the other shards' one. The
                // results keep the shard without a partition; a merge takes it from the others.
                return t -> false;
            }
            Weights w = r.prepared().weights();
            Map<String, Integer> wholeSuites = new HashMap<>();
            plans.stream().filter(Planned::wholeSuite).forEach(p -> wholeSuites.merge(p.selected().runner().suite(), 1, Integer::sum));
            List<Partition.Unit> units = new ArrayList<>();
            for (Planned p : plans) {
                String suite = p.selected().runner().suite();
                for (PlannedTest t : p.plan().tests()) {
                    units.add(new Partition.Unit(p.unitKey(t), p.wholeSuite() ? w.wholeSuite(suite, wholeSuites.get(suite)) : w.test(t.id())));
                }
            }
            Sharding sharding = Sharding.startOf(shard.index(), shard.count(), r.prepared().weights().source()).withUnits(units);
            rec.sharding(sharding);
            Partition partition = sharding.partition().orElseThrow();
            Owners owners = new Owners(partition);
            rec.narrowBaseline(id -> owners.of(id).orElse(1) == shard.index());
            Map<PlannedTest, String> keys = new IdentityHashMap<>();
            plans.forEach(p -> p.plan().tests().forEach(t -> keys.put(t, p.unitKey(t))));
            return t -> partition.partOf(keys.get(t)) == shard.index();
        }

        private void runSuite(Planned p, Predicate<PlannedTest> ours) {
            Selected s = p.selected();
            SuiteRunner runner = s.runner();
            SuiteExpunges sx = p.expunges();
            SuiteRunner.Plan plan = p.plan();
            List<PlannedTest> tests = plan.tests().stream().filter(ours).toList();
            if (tests.isEmpty()) {
                return; // another shard runs this suite
            }
            if (r.progress() != null) {
                List<TestId> ids = runner.plansEachTest() ? tests.stream().map(PlannedTest::id).toList() : List.of();
                r.progress().planned(s.label(), ids, expectedMs(ids, s.profile()));
            }
            List<TestResult> mine = new ArrayList<>(plan.expunged());
            for (PlannedTest t : tests) {
                if (stopped) {
                    break;
                }
                if (r.deadline().expired()) {
                    rec.incomplete("--timeout hit before " + t.id());
                    stopped = true;
                    break;
                }
                if (r.progress() != null) {
                    r.progress().started(t.id());
                }
                List<TestResult> results = runOne(runner, t);
                for (TestResult one : results) {
                    TestResult judged = sx.apply(List.of(one)).get(0);
                    rec.record(judged);
                    mine.add(judged);
                    progress(judged);
                }
            }
            for (String unused : sx.unused(mine, plan.tests().stream().map(PlannedTest::id).toList())) {
                rec.problem("expunge entry " + unused);
            }
            keepArtifacts(runner.suite());
            rec.flush(); // a suite's last results are on disk when it ends (the recorder batches results)
        }

        private void suiteFailed(Selected s, RuntimeException e) {
            String why = e instanceof KbootException ? e.getMessage() : e.toString();
            rec.record(TestResult.of(TestId.of(s.runner().suite(), "(suite)"), Status.ERROR, "", "kboot could not run the suite: " + why));
            rec.incomplete("suite " + s.label() + " could not run: " + why);
        }

        /** Runs one planned test (and its reruns), attaching console incidents seen meanwhile. */
        private List<TestResult> runOne(SuiteRunner runner, PlannedTest t) {
            CrashWatch crashes = guest.vm().crashes();
            long before = crashes.seen();
            ExecResult result;
            try {
                Duration limit = t.timeout();
                if (r.deadline().remaining().compareTo(limit) < 0) {
                    limit = r.deadline().remaining().isZero() ? Duration.ofMillis(1) : r.deadline().remaining();
                }
                result = guest.exec(t.command(), limit);
            } catch (GuestException e) {
                removeLinks(artifacts, r);
                List<TestResult> salvaged = new ArrayList<>(salvage(runner, t));
                salvaged.add(crashed(t, e));
                return salvaged;
            } catch (OutputLimitException e) {
                return List.of(TestResult.of(t.id(), Status.ERROR, "", e.getMessage()));
            }
            if (runner.readsSharedDirectory()) {
                removeLinks(artifacts, r);
            }
            List<TestResult> own;
            try {
                own = runner.judge(guest, t, result);
            } catch (GuestException e) {
                return List.of(crashed(t, e));
            } catch (RuntimeException e) {
                if (e instanceof KbootException k && (k.exitCode() == ExitCode.INTERRUPTED || k.exitCode() == ExitCode.INTERNAL)) {
                    throw e;
                }
                own = List.of(TestResult.of(t.id(), Status.ERROR, "", "kboot could not judge it: " + e)
                        .withExcerpt(Runners.output(result)).withDuration(result.duration().toMillis()));
            }
            CrashAttribution.Live live = CrashAttribution.live(t.id(), own,
                    crashes.since(before).stream().map(Incident::of).toList());
            List<TestResult> judged = new ArrayList<>(live.results());
            Optional<Incident> fatal = Optional.ofNullable(live.fatal());
            if (fatal.isPresent() && runner.plansEachTest()) {
                judged.replaceAll(j -> j.withStatus(Status.CRASH, live.cause()));
            }
            if (fatal.isPresent()) {
                // The kernel is tainted: nothing after this can be trusted.
                rec.incomplete("the kernel reported " + fatal.get().signature() + " during " + t.id() + ": " + live.cause());
                stopped = true;
                return judged;
            }
            if (runner.plansEachTest() && judged.size() == 1 && judged.get(0).status().failed() && judged.get(0).status() != Status.CRASH) {
                return List.of(rerun(runner, t, judged.get(0)));
            }
            return judged;
        }

        /** What a planned unit left in the share when the guest died under it; never throws. */
        private List<TestResult> salvage(SuiteRunner runner, PlannedTest t) {
            try {
                return runner.salvage(guest, t);
            } catch (RuntimeException e) {
                return List.of();
            }
        }

        private TestResult rerun(SuiteRunner runner, PlannedTest t, TestResult failed) {
            for (int i = 1; i <= r.rerunFailures() && !r.deadline().expired(); i++) {
                ExecResult again;
                try {
                    again = guest.exec(t.command(), t.timeout());
                } catch (GuestException e) {
                    return crashed(t, e);
                } catch (OutputLimitException e) {
                    return failed;
                }
                List<TestResult> j = runner.judge(guest, t, again);
                if (j.size() == 1 && j.get(0).status() == Status.PASS) {
                    return j.get(0).withUnstable(true).withReason("failed first (" + failed.status() + ": " + failed.reason()
                            + "), passed on rerun " + i + " of " + r.rerunFailures());
                }
            }
            return failed;
        }

        /** The guest died (or stopped answering) during {@code t}: it is CRASH or TIMEOUT, the rest MISS. */
        private TestResult crashed(PlannedTest t, GuestException e) {
            stopped = true;
            guestLost = true;
            TestId id = t == null ? TestId.of("kboot", "(harness)") : t.id();
            if (e.exitCode() == ExitCode.INTERRUPTED || guest.vm().interrupted()) {
                // Ctrl-C or SIGTERM stopped the guest under it: it never reached its end
                rec.incomplete("interrupted" + (t == null ? "" : " during " + t.id()));
                return TestResult.miss(id, "interrupted while it ran (Ctrl-C or SIGTERM)");
            }
            Optional<CrashWatch.Incident> fatal = guest.vm().crashes().firstFatal();
            TestResult res;
            if (guest.vm().hostFailure().isPresent() && fatal.isEmpty()) {
                // the host's side failed under it (a virtiofsd exited): not the test's doing
                res = TestResult.of(id, Status.ERROR, "", e.getMessage()).withExcerpt(e.detail());
            } else if (e.exitCode() == ExitCode.GUEST_CRASH || fatal.isPresent()) {
                res = TestResult.of(id, Status.CRASH, "", fatal.map(f -> Incident.of(f).title()).orElse(e.getMessage()))
                        .withExcerpt(fatal.map(CrashWatch.Incident::text).orElse(e.detail()));
                fatal.ifPresent(f -> rec.incident(Incident.of(f)));
            } else {
                res = TestResult.of(id, Status.TIMEOUT, "", "the guest stopped answering: " + e.getMessage()).withExcerpt(e.detail());
            }
            rec.incomplete((t == null ? "the guest" : t.id().toString()) + ": " + res.status() + ": " + res.reason());
            return res;
        }

        private void progress(TestResult t) {
            if (r.progress() != null) {
                r.progress().finished(t);
            }
        }

        /** @return each test's duration in the baseline, else in the profile's {@code durations}, in ms */
        private java.util.Map<TestId, Long> expectedMs(List<TestId> ids, Profile profile) {
            java.util.Map<TestId, Long> out = new java.util.HashMap<>();
            java.util.Map<String, Duration> fromProfile = profile.durations();
            RunResult base = r.prepared().baseline();
            for (TestId id : ids) {
                Long ms = base == null ? null : base.find(id).map(TestResult::durationMs).orElse(null);
                if (ms == null && fromProfile.containsKey(id.local())) {
                    ms = fromProfile.get(id.local()).toMillis();
                }
                if (ms != null) {
                    out.put(id, ms);
                }
            }
            return out;
        }

        /**
         * Copies what a suite wrote to a machine's writable share that is not the results'
         * artifacts/ (a libvirt domain's) into artifacts/, following no link.
         */
        private void keepArtifacts(String suite) {
            Optional<Path> shared = guest.vm().sharedDirectory();
            if (shared.isEmpty() || shared.get().toAbsolutePath().normalize().equals(artifacts.toAbsolutePath().normalize())) {
                return;
            }
            Path from = shared.get().resolve(suite);
            if (!Files.isDirectory(from, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Path to = artifacts.resolve(suite);
            try (Stream<Path> files = Files.walk(from)) {
                for (Path p : files.toList()) {
                    Path dst = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createDirectories(dst);
                    } else if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.copy(p, dst, StandardCopyOption.REPLACE_EXISTING, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    }
                }
            } catch (IOException e) {
                rec.problem("cannot keep " + suite + "'s result files: " + e.getMessage());
            }
        }
    }
}
