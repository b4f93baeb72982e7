package dev.kboot.cli;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.Units;
import dev.kboot.launcher.console.Console;
import dev.kboot.launcher.doctor.KernelPreflight;
import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.guest.GuestException;
import dev.kboot.launcher.guest.GuestTarget;
import dev.kboot.launcher.libvirt.DomainMachine;
import dev.kboot.launcher.libvirt.LibvirtConnection;
import dev.kboot.launcher.libvirt.LibvirtTarget;
import dev.kboot.launcher.guest.OutputListener;
import dev.kboot.launcher.guest.Sh;
import dev.kboot.launcher.process.Deadline;
import dev.kboot.launcher.process.RunDirectory;
import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.GuestMachine;
import dev.kboot.launcher.vm.Planner;
import dev.kboot.launcher.vm.Timings;
import dev.kboot.launcher.vm.Vm;
import dev.kboot.launcher.vm.VmEnd;
import dev.kboot.launcher.vm.VmOptions;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kboot run RESULT [options] [-- CMD...]}: boot a closure and stream its console until it
 * powers off; or run a command in it and exit with the command's status; or open a shell.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Boot a NixOS bootspec closure the imageless way (tmpfs root; /nix/store and /lib/modules over virtiofs; "
                + "direct kernel boot) and stream its console until the guest powers off.",
                "With -- CMD: run CMD in the guest as root (one argument: a shell command line; several: a program and its arguments), "
                        + "stream its stdout and stderr, power the guest off and exit with CMD's status (128+N when killed by signal N). "
                        + "The kernel console then goes to the console log only (and to stderr with --verbose).",
                "With --interactive: a root shell in the guest on this terminal; Ctrl-] leaves and powers the guest off."})
final class RunCommand implements Callable<Integer> {
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

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Give up after this long (e.g. 90s, 5m), boot included: exit 124 with the last console lines.")
    String timeout;



    @Option(names = "--timings", description = "Print one line per boot phase, in ms since kboot started.")
    boolean timings;

    @Option(names = "--dry-run", description = "Print the exact virtiofsd and QEMU command lines, start nothing, exit 0.")
    boolean dryRun;

    @Option(names = {"-i", "--interactive"}, description = "Open a root shell in the guest on this terminal (Ctrl-] leaves).")
    boolean interactive;

    @Parameters(index = "1..*", paramLabel = "CMD", arity = "0..*", description = "After --: the command to run in the guest.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Deadline deadline = timeout == null ? Deadline.never() : Deadline.in(Units.duration("--timeout", timeout));
        Duration agentWait = guestOptions.agentWait();
        if (interactive && !command.isEmpty()) {
            throw KbootException.usage("--interactive and a command (-- CMD) exclude each other");
        }
        Timings clock = new Timings();
        clock.mark("kboot started");
        boolean agent = interactive || !command.isEmpty();
        libvirtOptions.check(boot, true);
        if (libvirtOptions.on()) {
            try {
                return inDomain(clock, err, deadline, agentWait);
            } finally {
                if (timings) {
                    clock.lines().forEach(l -> err.println(Main.PREFIX + l));
                }
            }
        }
        // `-- CMD` copies no files: no transfer share (one virtiofsd and one virtio device less to start)
        BootPlan plan = Planner.plan(boot.toRequest(agent, true).withTransfer(false), dryRun);
        clock.mark("boot planned");
        if (dryRun) {
            printDryRun(plan, spec.commandLine().getOut());
            return ExitCode.OK.code();
        }
        announce(plan, err, common);
        try {
            return boot(plan, clock, err, deadline, agentWait);
        } catch (GuestException e) {
            explainEarlyEnd(plan, clock, err);
            throw e;
        } catch (KbootException e) {
            if (e.exitCode() == ExitCode.TIMEOUT) { // -- CMD: --timeout passed before the agent answered
                explainEarlyEnd(plan, clock, err);
            }
            throw e;
        } finally {
            if (timings) {
                clock.lines().forEach(l -> err.println(Main.PREFIX + l));
            }
        }
    }

    private int boot(BootPlan plan, Timings clock, PrintWriter err, Deadline deadline, Duration agentWait) throws Exception {
        if (interactive) {
            return shell(plan, clock, err, agentWait, guestOptions.consoleLog, common);
        }
        if (!command.isEmpty()) {
            return runCommand(plan, clock, err, deadline, agentWait);
        }
        VmOptions opts = new VmOptions(common.quiet ? null : Console.sinkTo(System.out), guestOptions.consoleLog, err::println, clock);
        try (Vm vm = Vm.boot(plan, opts)) {
            VmEnd end = vm.awaitEnd(deadline);
            if (vm.interrupted()) {
                return ExitCode.INTERRUPTED.code();
            }
            int status = report(end, vm, err);
            explainEarlyEnd(plan, clock, err);
            return status;
        }
    }

    /**
     * When the guest ended without reaching init, runs the kconfig preflight on the kernel it booted
     * and names what the kernel lacks (a missing CONFIG_VIRTIO_FS, a module the initrd does not hold),
     * instead of leaving only a timeout or a console tail to read.
     */
    static void explainEarlyEnd(BootPlan plan, Timings clock, PrintWriter err) {
        if (clock.marks().containsKey("init reached")) {
            return;
        }
        List<String> lacks = KernelPreflight.failures(KernelPreflight.check(plan));
        for (String l : lacks) {
            err.println(Main.PREFIX + "the guest never reached init; the kernel cannot boot this closure: " + l);
        }
        if (!lacks.isEmpty()) {
            err.println(Main.PREFIX + "see 'kboot doctor " + plan.closure().argument() + " --kernel " + plan.kernelImage().path()
                    + plan.initrd().map(i -> " --initrd " + i).orElse("") + "'");
        }
        err.flush();
    }

    /**
     * {@code kboot run --libvirt NAME [-- CMD | -i]}: the same in a libvirt domain, started (and
     * powered off at the end) or attached to (and left running). Without a command the console
     * is streamed until the domain stops.
     */
    private int inDomain(Timings clock, PrintWriter err, Deadline deadline, Duration agentWait) throws Exception {
        if (dryRun) {
            throw KbootException.usage("--dry-run with --libvirt: kboot libvirt define --dry-run prints the domain's definition");
        }
        List<String> cmd = new ArrayList<>(command);
        if (boot.result != null) {
            cmd.add(0, boot.result); // after --, picocli gives the first word to RESULT's position
        }
        LibvirtTarget target = libvirtOptions.target();
        if (interactive && !cmd.isEmpty()) {
            throw KbootException.usage("--interactive and a command (-- CMD) exclude each other");
        }
        if (interactive) {
            return shell(target, clock, err, agentWait, guestOptions.consoleLog, common);
        }
        if (!cmd.isEmpty()) {
            return runCommand(target, cmd, clock, err, deadline, agentWait);
        }
        VmOptions opts = new VmOptions(common.quiet ? null : Console.sinkTo(System.out), guestOptions.consoleLog, err::println, clock);
        try (DomainMachine m = DomainMachine.open(LibvirtConnection.open(target.uri()), target.name(), opts, false)) {
            VmEnd end = m.awaitEnd(deadline);
            if (m.interrupted()) {
                return ExitCode.INTERRUPTED.code();
            }
            return report(end, m, err);
        }
    }

    private int runCommand(BootPlan plan, Timings clock, PrintWriter err, Deadline deadline, Duration agentWait) throws Exception {
        return runCommand(GuestTarget.boot(plan), command, clock, err, deadline, agentWait);
    }

    private int runCommand(GuestTarget target, List<String> command, Timings clock, PrintWriter err, Deadline deadline, Duration agentWait) throws Exception {
        String cmdline = command.size() == 1 ? command.get(0) : Sh.join(command);
        VmOptions opts = new VmOptions(common.verbose ? Console.sinkTo(System.err) : null, guestOptions.consoleLog, err::println, clock);
        Duration bootLimit = deadline.remaining().compareTo(agentWait) < 0 ? deadline.remaining() : agentWait;
        Guest guest;
        try {
            guest = target.open(opts, bootLimit);
        } catch (GuestException e) {
            if (deadline.expired()) {
                throw new KbootException(ExitCode.TIMEOUT, "timed out after " + timeout + " before the guest agent answered", e.detail(), e);
            }
            throw e;
        }
        try (guest) {
            Duration left = deadline.remaining();
            ExecResult r = guest.exec(cmdline, left.toDays() > 3650 ? null : left, streamTo(System.out, System.err));
            if (guest.vm().interrupted()) {
                return ExitCode.INTERRUPTED.code();
            }
            guest.shutdown();
            if (r.ending() == ExecResult.Ending.TIMED_OUT) {
                guest.vm().keepLogs();
                err.println(Main.PREFIX + "timed out after " + timeout + ": `" + cmdline + "` was killed in the guest");
                return ExitCode.TIMEOUT.code();
            }
            if (r.ending() == ExecResult.Ending.NOT_STARTED) {
                err.println(Main.PREFIX + "`" + cmdline + "` " + r.describe());
            }
            return r.shellStatus();
        }
    }

    /** @return a listener writing a command's stdout and stderr to these streams as they arrive */
    static OutputListener streamTo(PrintStream out, PrintStream errStream) {
        return new OutputListener() {
            @Override
            public void stdout(byte[] data) {
                out.write(data, 0, data.length);
                out.flush();
            }

            @Override
            public void stderr(byte[] data) {
                errStream.write(data, 0, data.length);
                errStream.flush();
            }
        };
    }

    /** Boots {@code plan} with the agent and runs an interactive shell on this terminal. */
    static int shell(BootPlan plan, Timings clock, PrintWriter err, Duration agentWait, Path consoleLog, CommonOptions common) throws Exception {
        return shell(GuestTarget.boot(plan), clock, err, agentWait, consoleLog, common);
    }

    /** Opens {@code target} with the agent and runs an interactive shell on this terminal. */
    static int shell(GuestTarget target, Timings clock, PrintWriter err, Duration agentWait, Path consoleLog, CommonOptions common) throws Exception {
        VmOptions opts = new VmOptions(common.verbose ? Console.sinkTo(System.err) : null, consoleLog, err::println, clock);
        try (Guest guest = target.open(opts, agentWait)) {
            String label = guest.vm().facts().label();
            err.println(Main.PREFIX + "shell in " + (label == null ? "the guest" : label) + " (" + guest.hello() + "); Ctrl-] leaves"
                    + (guest.vm().attached() ? " (the guest keeps running)" : " and powers the guest off"));
            err.flush();
            int status = TerminalSession.run(guest);
            if (guest.vm().interrupted()) {
                return ExitCode.INTERRUPTED.code();
            }
            guest.shutdown();
            return status;
        }
    }

    /** Prints the boot's one-line summary (kernel release, machine, accelerator) and warnings; more with --verbose. */
    static void announce(BootPlan plan, PrintWriter err, CommonOptions common) {
        if (plan.accel().fellBack()) {
            err.println(Main.PREFIX + "warning: using TCG (software emulation, ~10x slower): " + plan.accel().reason());
        }
        if (plan.shares().stream().noneMatch(s -> s.tag().equals("modules"))) {
            err.println(Main.PREFIX + "warning: " + plan.modulesNote());
        }
        if (!common.quiet) {
            err.println(Main.PREFIX + "booting " + plan.closure().bootspec().label() + ": Linux " + plan.kernelImage().release()
                    + " on " + plan.machine().qemuName() + "/" + plan.accel().accel().qemuName() + ", " + plan.cpus() + " vCPUs, "
                    + Units.qemuMegabytes(plan.memoryBytes()) + " (" + plan.qemu().versionLine() + "; " + plan.virtiofsd().kind() + " virtiofsd)");
            if (!plan.fastParams().isEmpty()) {
                err.println(Main.PREFIX + "fast boot: " + String.join(" ", plan.fastParams())
                        + (plan.cpuModel().isEmpty() ? ", QEMU's default CPU model" : "") + " (--no-fast boots the kernel as configured)");
            }
        }
        if (common.verbose) {
            err.println(Main.PREFIX + plan.modulesNote());
            err.println(Main.PREFIX + "kernel image: " + plan.bootKernel());
        }
        err.flush();
    }

    /** Prints the ending and returns its exit status. */
    static int report(VmEnd end, GuestMachine vm, PrintWriter err) {
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
        if (vm instanceof Vm qemu) {
            err.println(Main.PREFIX + "logs kept in " + qemu.runDirectory());
        }
        return end.kind().exitCode().code();
    }

    private static void printDryRun(BootPlan plan, PrintWriter out) {
        Path dir = RunDirectory.base().resolve("run-DRYRUN");
        out.println("# kboot " + Main.version() + " --dry-run: " + plan.closure().bootspec().label() + ", Linux " + plan.kernelImage().release());
        out.println("# accelerator: " + plan.accel().accel().qemuName() + " (" + plan.accel().reason() + ")");
        out.println("# " + plan.modulesNote());
        if (!plan.fastParams().isEmpty()) {
            out.println("# --fast adds to the kernel command line: " + String.join(" ", plan.fastParams()));
            if (plan.cpuModel().isEmpty()) {
                out.println("# --fast under TCG: QEMU's default CPU model instead of -cpu max");
            }
        }
        var argvs = plan.virtiofsdArgvs(dir);
        var shares = plan.sharesFor(dir);
        for (int i = 0; i < argvs.size(); i++) {
            out.println("# virtiofsd for tag '" + shares.get(i).tag() + "'");
            out.println(Sh.join(argvs.get(i)));
        }
        out.println("# qemu");
        out.println(Sh.join(plan.qemuArgv(dir)));
    }
}
