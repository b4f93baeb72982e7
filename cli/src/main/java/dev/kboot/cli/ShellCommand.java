package dev.kboot.cli;

import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.Planner;
import dev.kboot.launcher.vm.Timings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kboot shell RESULT}: the same as {@code kboot run RESULT --interactive}. */
@Command(name = "shell", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Boot a closure and open a root shell in it on this terminal; Ctrl-] leaves and powers the guest off.")
final class ShellCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BootOptions boot;

    @Mixin
    CommonOptions common;

    @Mixin
    GuestOptions guestOptions;



    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Timings clock = new Timings();
        // a shell copies no files: no transfer share (one virtiofsd and one virtio device less to start)
        BootPlan plan = Planner.plan(boot.toRequest(true, true).withTransfer(false), false);
        RunCommand.announce(plan, err, common);
        return RunCommand.shell(plan, clock, err, guestOptions.agentWait(), guestOptions.consoleLog, common);
    }
}
