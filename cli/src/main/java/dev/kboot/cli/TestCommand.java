package dev.kboot.cli;

import dev.kboot.harness.run.ParallelRun;
import dev.kboot.harness.run.TestRun;
import dev.kboot.harness.shard.Shard;
import dev.kboot.harness.run.Timeouts;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.Units;
import dev.kboot.launcher.console.Console;
import dev.kboot.launcher.qemu.Accelerator;
import dev.kboot.launcher.guest.GuestTarget;
import dev.kboot.launcher.process.Deadline;
import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.Planner;
import dev.kboot.launcher.vm.Timings;
import dev.kboot.launcher.vm.VmOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kboot test RESULT --suite SUITE[:PROFILE]...}: run test suites in the guest and judge them. */
@Command(name = "test", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Boot a closure, run test suites in it one test at a time, judge every test and exit with a verdict CI can gate on: "
                + "0 no regression (without --baseline: no failure), 1 regression or failure, 2 incomplete (boot failure, crash, tests never reached, a suite that produced nothing).",
                "results.json, junit.xml and summary.txt are written to --results as tests finish (beyond 32 results at most once a second)."})
final class TestCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BootOptions boot;

    @Mixin
    CommonOptions common;

    @Mixin
    GuestOptions guestOptions;

    @Mixin
    LibvirtGuestOptions libvirtOptions;

    @Option(names = "--suite", paramLabel = "SUITE[:PROFILE]", required = true,
            description = "A suite to run: kselftest, kunit, fstests, blktests, ltp or command; PROFILE names a profile of testsuites/SUITE.yaml or a YAML file. Repeatable.")
    List<String> suites = new ArrayList<>();

    @Option(names = "--results", paramLabel = "DIR", defaultValue = "kboot-results", description = "Where results go (default: ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--expunges", paramLabel = "FILE", description = "Known failures (YAML): skip or xfail, with reasons and bug links.")
    Path expunges;

    @Option(names = "--baseline", paramLabel = "RESULTS_JSON", description = "Compare with an earlier run's results.json (or its directory): regressions decide the verdict.")
    Path baseline;

    @Option(names = "--rerun-failures", paramLabel = "N", defaultValue = "0", description = "Rerun a failing test up to N times; one that then passes is unstable.")
    int rerunFailures;

    @Option(names = "--test-timeout", paramLabel = "DURATION", defaultValue = "300s", description = "Per-test timeout where the profile sets none (default: ${DEFAULT-VALUE}).")
    String testTimeout;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "The whole run's limit; tests not started by then are MISS.")
    String timeout;

    @Option(names = "--shard", paramLabel = "I/N|auto",
            description = "Run part I of N of the planned tests (a deterministic partition: the same on every host); merge the parts with 'kboot results merge'. "
                    + "auto: from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with --shard-count) or CI_NODE_INDEX/CI_NODE_TOTAL (GitLab parallel).")
    String shard;

    @Option(names = "--shard-count", paramLabel = "N", description = "With --shard auto in a Kubernetes Indexed Job: the Job's completions.")
    Integer shardCount;

    @Option(names = "--balance", paramLabel = "RESULTS_JSON",
            description = "With --shard: weigh tests by their durations in this earlier run (results.json or its directory), so the shards finish together.")
    Path balance;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "1",
            description = "Run the tests on N guests at once on this host (each its own run directory, sockets and daemons; "
                    + "the planned tests partitioned between them as --shard does, their results in --results/guest-I merged into --results, one verdict). Default: ${DEFAULT-VALUE}.")
    int jobs;

    @Option(names = "--timeout-factor", paramLabel = "F",
            description = "Multiply every per-test timeout (kboot's and the suites' own) by F (default: 1 under KVM, 4 under TCG; recorded in results.json).")
    String timeoutFactor;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (rerunFailures < 0) {
            throw KbootException.usage("--rerun-failures " + rerunFailures + ": expected 0 or more");
        }
        Deadline deadline = timeout == null ? Deadline.never() : Deadline.in(Units.duration("--timeout", timeout));
        Timings clock = new Timings();
        java.time.Duration perTest = Units.duration("--test-timeout", testTimeout);
        if (timeoutFactor != null) {
            Timeouts.of(perTest, null, timeoutFactor); // a bad value ends here, before anything boots
        }
        libvirtOptions.check(boot, false);
        if (jobs < 1 || jobs > ParallelRun.MAX_JOBS) {
            throw KbootException.usage("--jobs " + jobs + ": expected 1 to " + ParallelRun.MAX_JOBS);
        }
        if (jobs > 1 && shard != null) {
            throw KbootException.usage("--jobs " + jobs + " with --shard: a shard runs on one guest; use one or the other");
        }
        if (jobs > 1 && libvirtOptions.on()) {
            throw KbootException.usage("--jobs " + jobs + " with --libvirt: a libvirt domain is one guest; --jobs boots imageless guests");
        }
        if (jobs > 1 && guestOptions.consoleLog != null) {
            throw KbootException.usage("--jobs " + jobs + " with --console-log: each guest's console goes to --results/guest-I/console.log");
        }
        if (balance != null && shard == null && jobs == 1) {
            throw KbootException.usage("--balance goes with --shard or --jobs: it weighs the partition of the tests between shards or guests");
        }
        if (shardCount != null && shard == null) {
            throw KbootException.usage("--shard-count goes with --shard auto");
        }
        Shard part = shard == null ? null : Shard.resolve(shard, shardCount, System.getenv());
        TestRun.Prepared prepared = TestRun.prepare(suites, expunges, baseline, part, balance);
        checkWritable(results);
        if (jobs > 1 && !common.quiet) {
            err.println(Main.PREFIX + jobs + " guests in parallel" + (balance == null ? " (tests weigh the same)" : " (weighed by the durations in " + balance + ")"));
        }
        if (part != null && !common.quiet) {
            err.println(Main.PREFIX + "shard " + part + (balance == null ? " (tests weigh the same)" : " (weighed by the durations in " + balance + ")"));
        }
        GuestTarget target;
        Accelerator accel;
        if (libvirtOptions.on()) {
            var domain = libvirtOptions.target();
            if (!common.quiet) {
                err.println(Main.PREFIX + "running in libvirt domain " + domain.name() + " (" + domain.uri() + ")");
            }
            target = domain;
            String a = domain.facts().accelerator();
            accel = a != null && a.startsWith("tcg") ? Accelerator.TCG : Accelerator.KVM;
        } else {
            BootPlan plan = Planner.plan(boot.toRequest(true, false), false);
            RunCommand.announce(plan, err, common);
            target = GuestTarget.boot(plan);
            accel = plan.accel().accel();
        }
        Timeouts timeouts = Timeouts.of(perTest, accel, timeoutFactor);
        if (timeouts.factor() != 1 && !common.quiet) {
            err.println(Main.PREFIX + "per-test timeouts x" + timeouts.factorText() + (timeoutFactor == null ? " under " + accel.qemuName() : "")
                    + " (--timeout-factor)");
        }
        TestRun.Outcome o;
        try (ProgressLine progress = ProgressLine.forStderr(err, common, true)) {
            VmOptions opts = new VmOptions(common.verbose ? Console.sinkTo(System.err) : null,
                    guestOptions.consoleLog != null ? guestOptions.consoleLog : results.resolve("console.log"), progress::println, clock);
            o = ParallelRun.run(new TestRun.Request(target, prepared, results, rerunFailures,
                    timeouts, guestOptions.agentWait(), deadline, opts,
                    Main.version(), common.quiet ? null : progress), jobs);
        }
        if (part != null && o.run().sharding() != null && o.run().sharding().partition().isPresent()) {
            dev.kboot.harness.shard.Partition p = o.run().sharding().partition().get();
            err.println(Main.PREFIX + "shard " + part + ": " + p.part(part.index()).size() + " of " + p.units().size()
                    + " planned units; merge the shards with 'kboot results merge'");
        }
        if (jobs > 1) {
            err.println(Main.PREFIX + jobs + " guests' results (each in " + results.toAbsolutePath().resolve("guest-I") + ") merged into one run");
        }
        err.println(Main.PREFIX + o.verdict().headline());
        for (String d : o.verdict().details()) {
            err.println("  " + d);
        }
        err.println(Main.PREFIX + "results in " + results.toAbsolutePath());
        return o.verdict().exitCode().code();
    }

    /** Checks that --results can be written before anything boots: exit 73 naming the directory. */
    static void checkWritable(Path results) {
        try {
            java.nio.file.Files.createDirectories(results);
            java.nio.file.Files.delete(java.nio.file.Files.createTempFile(results, ".kboot-write-check", ""));
        } catch (java.io.IOException | SecurityException e) {
            throw new KbootException(dev.kboot.launcher.ExitCode.CANT_CREATE, "--results " + results + ": cannot write there ("
                    + (e.getMessage() == null ? e.toString() : e.getMessage()) + ")", null, e);
        }
    }

}
