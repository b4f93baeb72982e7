package dev.kboot.cli;

import dev.kboot.launcher.Units;
import dev.kboot.launcher.qemu.AcceleratorProbe;
import dev.kboot.launcher.virtiofs.Share;
import dev.kboot.launcher.vm.BootRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The boot options shared by {@code kboot run}, {@code kboot shell} and {@code kboot test} (a picocli mixin). */
public final class BootOptions {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RESULT",
            description = "The closure: a toplevel directory, a 'result' symlink to one, or its boot.json.")
    String result;

    @Option(names = "--specialisation", paramLabel = "NAME", description = "Boot this specialisation (org.nixos.specialisation.v1).")
    String specialisation;

    @Option(names = "--kernel", paramLabel = "BZIMAGE", description = "Kernel image (bzImage or ELF vmlinux). Default: the bootspec's kernel.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initrd. Default: the bootspec's initrd.")
    Path initrd;

    @Option(names = "--modules", paramLabel = "DIR",
            description = "Directory holding <release>/ with the kernel's modules, shared as tag 'modules' and mounted at /lib/modules. "
                    + "Default: found next to the kernel (<dir>/lib/modules, <dir>/../lib/modules, the build tree's mod-install/), else /lib/modules.")
    Path modules;

    @Option(names = "--store", paramLabel = "DIR",
            description = "Host directory shared as tag 'store' and mounted at /nix/store. Default: the directory holding the toplevel when it is named like its store path, else /nix/store.")
    Path store;

    @Option(names = "--share", paramLabel = "HOSTDIR:TAG[:rw]", description = "Share another host directory over virtiofs (read-only unless :rw). Repeatable.")
    List<String> shares = new ArrayList<>();

    @Option(names = "--append", paramLabel = "ARGS", description = "Extra kernel command line words, appended last.")
    String append = "";

    @Option(names = "--fast", negatable = true,
            description = "Skip boot work a developer's run does not need: adds documented kernel parameters "
            + "(cryptomgr.notests, initcall_blacklist=crypto_kdf108_init; --dry-run lists them) before --append and, under TCG, boots QEMU's default CPU model "
            + "instead of max. On by default for 'kboot run' and 'kboot shell' (--no-fast boots the kernel as configured); "
            + "off for 'kboot test' unless given: a test run tests the kernel as configured.")
    Boolean fast;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "2", description = "vCPUs (default: ${DEFAULT-VALUE}).")
    int cpus;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "1G", description = "Guest RAM, e.g. 512M, 2G (default: ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg", defaultValue = "auto",
            description = "Accelerator. auto: KVM when a probe boot makes progress, else TCG with a warning (default: ${DEFAULT-VALUE}).")
    String accel;

    @Option(names = "--machine", paramLabel = "auto|microvm|q35", defaultValue = "auto", description = "Machine type (default: ${DEFAULT-VALUE}: microvm where QEMU has it, q35 under TCG).")
    String machine;

    @Option(names = "--qemu", paramLabel = "PATH", description = "qemu-system-x86_64 to use. Default: from $PATH.")
    Path qemu;

    @Option(names = "--virtiofsd", paramLabel = "PATH", description = "virtiofsd to use (Rust or legacy C). Default: from $PATH, then the usual libexec places.")
    Path virtiofsd;

    @Option(names = "--qemu-arg", paramLabel = "ARG", parameterConsumer = Verbatim.class,
            description = "Extra QEMU argument, appended last. Repeatable.")
    List<String> qemuArgs = new ArrayList<>();

    /**
     * Takes the next argument as it is: QEMU's arguments start with '-' ({@code --qemu-arg=-icount},
     * {@code --qemu-arg -vga}), which picocli would otherwise read as kboot's own short options
     * ({@code -i}, {@code -v}) and refuse (picocli's documented way for option-like values).
     */
    static final class Verbatim implements picocli.CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(java.util.Stack<String> args, picocli.CommandLine.Model.ArgSpec argSpec,
                picocli.CommandLine.Model.CommandSpec commandSpec) {
            if (args.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(),
                        "Missing required parameter for option '--qemu-arg' (ARG)");
            }
            List<String> list = argSpec.getValue();
            list.add(args.pop());
        }
    }

    /**
     * @param agent         whether the guest agent's port is attached
     * @param fastByDefault what no {@code --fast}/{@code --no-fast} means: true for {@code kboot
     *                      run} and {@code kboot shell} (a developer's boot), false for {@code kboot test}
     * @return the request these options describe
     * @throws dev.kboot.launcher.KbootException exit 64 on a bad value
     */
    BootRequest toRequest(boolean agent, boolean fastByDefault) {
        if (result == null) {
            throw dev.kboot.launcher.KbootException.usage("Missing required parameter: 'RESULT'");
        }
        if (cpus < 1 || cpus > 256) {
            throw dev.kboot.launcher.KbootException.usage("--cpus " + cpus + ": expected 1 to 256");
        }
        AcceleratorProbe.Choice choice;
        try {
            choice = AcceleratorProbe.Choice.valueOf(accel.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw dev.kboot.launcher.KbootException.usage("--accel " + accel + ": expected auto, kvm or tcg");
        }
        List<Share> parsed = shares.stream().map(Share::parse).toList();
        return new BootRequest(Path.of(result), specialisation, kernel, initrd, modules, store, parsed, append, cpus,
                Units.memoryBytes("--memory", memory), choice, machine.toLowerCase(Locale.ROOT), qemu, virtiofsd, qemuArgs, agent,
                fast == null ? fastByDefault : fast);
    }
}
