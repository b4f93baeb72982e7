package dev.kboot.cli;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.Units;
import dev.kboot.launcher.console.Console;
import dev.kboot.launcher.process.Deadline;
import dev.kboot.launcher.process.RunDirectory;
import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.Planner;
import dev.kboot.launcher.vm.Timings;
import dev.kboot.launcher.vm.Vm;
import dev.kboot.launcher.vm.VmEnd;
import dev.kboot.launcher.vm.VmOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kboot run RESULT [options]}: boot a closure and stream its console until it powers off. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Boot a NixOS bootspec closure the imageless way (tmpfs root; /nix/store and /lib/modules over virtiofs; "
                + "direct kernel boot) and stream its console until the guest powers off."})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BootOptions boot;

    @Mixin
    CommonOptions common;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Give up after this long (e.g. 90s, 5m): exit 124 with the last console lines.")
    String timeout;

    @Option(names = "--console-log", paramLabel = "FILE", description = "Write the timestamped console log here (default: in the run directory).")
    Path consoleLog;

    @Option(names = "--timings", description = "Print one line per boot phase, in ms since kboot started.")
    boolean timings;

    @Option(names = "--dry-run", description = "Print the exact virtiofsd and QEMU command lines, start nothing, exit 0.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        Deadline deadline = timeout == null ? Deadline.never() : Deadline.in(Units.duration("--timeout", timeout));
        Timings clock = new Timings();
        clock.mark("kboot started");
        BootPlan plan = Planner.plan(boot.toRequest(false), dryRun);
        clock.mark("boot planned");
        if (dryRun) {
            printDryRun(plan, out);
            return ExitCode.OK.code();
        }
        announce(plan, err, common);
        VmOptions opts = new VmOptions(common.quiet ? null : Console.sinkTo(System.out), consoleLog, err::println, clock);
        try (Vm vm = Vm.boot(plan, opts)) {
            VmEnd end = vm.awaitEnd(deadline);
            if (vm.interrupted()) {
                return ExitCode.INTERRUPTED.code();
            }
            if (timings) {
                clock.lines().forEach(l -> err.println(Main.PREFIX + l));
            }
            return report(end, vm, err);
        }
    }

    /** Prints the boot's one-line summary and warnings (accelerator fallback, no modules). */
    static void announce(BootPlan plan, PrintWriter err, CommonOptions common) {
        if (plan.accel().fellBack()) {
            err.println(Main.PREFIX + "warning: using TCG (software emulation, ~10x slower): " + plan.accel().reason());
        }
        if (!plan.shares().stream().anyMatch(s -> s.tag().equals("modules"))) {
            err.println(Main.PREFIX + "warning: " + plan.modulesNote());
        }
        if (common.verbose) {
            err.println(Main.PREFIX + "booting " + plan.closure().bootspec().label() + ": Linux " + plan.kernelImage().release()
                    + " on " + plan.machine().qemuName() + "/" + plan.accel().accel().qemuName() + ", " + plan.cpus() + " vCPUs, "
                    + Units.qemuMegabytes(plan.memoryBytes()) + " (" + plan.qemu().versionLine() + "; " + plan.virtiofsd().kind() + " virtiofsd)");
            err.println(Main.PREFIX + plan.modulesNote());
            err.println(Main.PREFIX + "kernel image: " + plan.bootKernel());
        }
    }

    /** Prints the ending and returns its exit status. */
    static int report(VmEnd end, Vm vm, PrintWriter err) {
        if (end.kind() == VmEnd.Kind.POWERED_OFF) {
            return ExitCode.OK.code();
        }
        vm.keepLogs();
        err.println(Main.PREFIX + end.message());
        end.detail().ifPresent(d -> {
            if (end.kind() == VmEnd.Kind.TIMEOUT) {
                err.println(Main.PREFIX + "last 50 console lines:");
            }
            err.println(d.stripTrailing());
        });
        err.println(Main.PREFIX + "logs kept in " + vm.runDirectory());
        return end.kind().exitCode().code();
    }

    private static void printDryRun(BootPlan plan, PrintWriter out) {
        Path dir = RunDirectory.base().resolve("run-DRYRUN");
        out.println("# kboot " + Main.version() + " --dry-run: " + plan.closure().bootspec().label() + ", Linux " + plan.kernelImage().release());
        out.println("# accelerator: " + plan.accel().accel().qemuName() + " (" + plan.accel().reason() + ")");
        out.println("# " + plan.modulesNote());
        var argvs = plan.virtiofsdArgvs(dir);
        for (int i = 0; i < argvs.size(); i++) {
            out.println("# virtiofsd for tag '" + plan.shares().get(i).tag() + "'");
            out.println(Shell.join(argvs.get(i)));
        }
        out.println("# qemu");
        out.println(Shell.join(plan.qemuArgv(dir)));
    }
}
