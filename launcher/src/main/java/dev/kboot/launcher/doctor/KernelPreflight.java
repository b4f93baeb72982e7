package dev.kboot.launcher.doctor;

import dev.kboot.launcher.kernel.KernelImage;
import dev.kboot.launcher.qemu.Machine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kconfig preflight: can this kernel boot a closure the imageless way? Each option kboot's
 * boot needs is found built in, as a module the guest can load when it needs it, or missing,
 * from the kernel's configuration ({@link KernelConfig}), its modules directory
 * ({@link ModulesIndex}) and the closure's initrd ({@link InitrdModules}).
 *
 * <p>What a boot needs, and when: stage 1 mounts the {@code store} share before anything else
 * exists, so virtio PCI (kboot's microvm uses {@code pcie=on}: every device is PCI on both
 * machines, and {@code VIRTIO_MMIO} is not used), FUSE and virtiofs must be built in or be modules the initrd holds <em>for this
 * kernel's release</em> (a closure's initrd carries its own kernel's modules: with
 * {@code --kernel} it usually holds none for the new one). Later needs (virtio_console for
 * hvc0 and the agent port, AF_UNIX) may be modules from the {@code modules} share. The console
 * ({@code SERIAL_8250_CONSOLE}), devtmpfs, tmpfs (the root), the initrd itself and the agent's
 * signalfd and ptys are options without modules: built in or missing.
 *
 * <p>On microvm the PCIe host bridge is described only in ACPI tables (QEMU's microvm builds a
 * GPEX host with its ECAM in the MCFG table, and has no 0xCF8 config ports): a kernel without
 * {@code ACPI} or {@code PCI_MMCONFIG} finds no PCI device there ("PCI: Fatal: No config space
 * access function found", seen with the Debian kernel booted with {@code acpi=off}) and stage 1
 * cannot mount the store; q35 needs neither. The guest agent needs its port
 * ({@code VIRTIO_CONSOLE}, found under {@code /sys/class/virtio-ports}: {@code SYSFS}),
 * {@code SIGNALFD}, ptys ({@code UNIX98_PTYS}) and, for commands over 128 KiB, a memfd read
 * through {@code /proc/self/fd} ({@code MEMFD_CREATE}, {@code PROC_FS}); see agent/kboot-agent.c.
 */
public final class KernelPreflight {
    /** When an option must be available. */
    enum Need {
        /** Before the store is mounted: built in, or a module in the initrd. */
        STAGE1,
        /** After: built in, or a module in the modules share. */
        LATER,
        /** A bool option: built in. */
        BUILTIN
    }

    /**
     * One option a boot needs.
     *
     * @param option the option without {@code CONFIG_}
     * @param module its module name, or null for a bool option
     * @param need   when it is needed
     * @param why    what it is for
     * @param severe whether its absence stops the boot (else a warning)
     * @param only   the machine it is needed on, or null for every machine
     */
    record Requirement(String option, String module, Need need, String why, boolean severe, Machine only) {
        Requirement(String option, String module, Need need, String why, boolean severe) {
            this(option, module, need, why, severe, null);
        }
    }

    static final List<Requirement> REQUIREMENTS = List.of(
            new Requirement("VIRTIO_PCI", "virtio_pci", Need.STAGE1, "virtio devices (PCI on microvm,pcie=on and q35; kboot does not use virtio-mmio)", true),
            new Requirement("ACPI", null, Need.BUILTIN, "microvm's PCIe host bridge, described only in ACPI tables", true, Machine.MICROVM),
            new Requirement("PCI_MMCONFIG", null, Need.BUILTIN, "microvm's PCI config space (ECAM, from ACPI's MCFG; microvm has no 0xCF8 ports)", true, Machine.MICROVM),
            new Requirement("FUSE_FS", "fuse", Need.STAGE1, "FUSE, under virtiofs", true),
            new Requirement("VIRTIO_FS", "virtiofs", Need.STAGE1, "the store and modules shares", true),
            new Requirement("DEVTMPFS", null, Need.BUILTIN, "/dev in stage 1", true),
            new Requirement("TMPFS", null, Need.BUILTIN, "the root file system (root=tmpfs)", true),
            new Requirement("BLK_DEV_INITRD", null, Need.BUILTIN, "the closure's initrd", true),
            new Requirement("SERIAL_8250_CONSOLE", null, Need.BUILTIN, "the serial console ttyS0", true),
            new Requirement("VIRTIO_CONSOLE", "virtio_console", Need.LATER, "hvc0 and the agent port", true),
            new Requirement("UNIX", "unix", Need.LATER, "AF_UNIX sockets (init, the agent's shell)", true),
            new Requirement("SYSFS", null, Need.BUILTIN, "/sys in stage 1, where the guest agent finds its port (/sys/class/virtio-ports)", true),
            new Requirement("PROC_FS", null, Need.BUILTIN, "/proc in stage 1 and the guest agent's long commands (/proc/self/fd)", true),
            new Requirement("SIGNALFD", null, Need.BUILTIN, "the guest agent (child exits)", true),
            new Requirement("MEMFD_CREATE", null, Need.BUILTIN, "the guest agent's commands over 128 KiB (run from a memfd)", false),
            new Requirement("UNIX98_PTYS", null, Need.BUILTIN, "the guest agent's pty commands (kboot shell)", false),
            new Requirement("PVH", null, Need.BUILTIN, "direct boot of the uncompressed kernel (63% faster under TCG)", false));

    private KernelPreflight() {
    }

    /**
     * Checks a kernel.
     *
     * @param image   the inspected kernel image
     * @param modules the modules root (holding {@code <release>/}), or null when none was found
     * @param initrd  the closure's initrd, or null when the boot has none or it is not known
     * @param machine the machine it boots on (its own requirements), or null for every machine's
     * @return one check for where the configuration came from, then one per required option
     */
    public static List<Check> check(KernelImage image, Path modules, Path initrd, Machine machine) {
        Optional<KernelConfig> config = KernelConfig.find(image);
        ModulesIndex index = modules == null ? ModulesIndex.none() : ModulesIndex.read(modules, image.release());
        InitrdModules inInitrd = initrd == null ? null : InitrdModules.read(initrd);
        return check(image.release(), config.orElse(null), index, inInitrd, machine);
    }

    /**
     * Checks a kernel for every machine kboot boots on.
     *
     * @return as {@link #check(KernelImage, Path, Path, Machine)} with no machine
     */
    public static List<Check> check(KernelImage image, Path modules, Path initrd) {
        return check(image, modules, initrd, null);
    }

    /**
     * Checks the kernel of a boot plan with the modules and initrd it boots with: what
     * {@code kboot run} asks when a guest ended before reaching init.
     *
     * @param plan the plan that was booted
     * @return the checks (see {@link #check(KernelImage, Path, Path, Machine)}), for the plan's machine
     */
    public static List<Check> check(dev.kboot.launcher.vm.BootPlan plan) {
        Path modules = plan.shares().stream().filter(s -> s.tag().equals(dev.kboot.launcher.virtiofs.Share.MODULES))
                .map(dev.kboot.launcher.virtiofs.Share::hostDir).findFirst().orElse(null);
        return check(plan.kernelImage(), modules, plan.initrd().orElse(null), plan.machine());
    }

    /**
     * Checks a kernel from what is known of it.
     *
     * @param release the kernel release
     * @param config  its configuration, or null when none was found
     * @param index   its modules directory
     * @param initrd  the closure's initrd modules, or null when unknown
     * @param machine the machine it boots on, or null for every machine's requirements
     * @return one check for the sources, then one per required option
     */
    public static List<Check> check(String release, KernelConfig config, ModulesIndex index, InitrdModules initrd, Machine machine) {
        List<Check> out = new ArrayList<>();
        String sources = (config == null ? "no kernel config found (IKCONFIG, config-" + release + " or config beside the kernel, a build tree's .config)"
                : "config from " + config.source())
                + "; modules: " + index.directory().map(Path::toString).orElse("none")
                + (initrd == null ? "" : "; initrd: " + initrd.modules().size() + " modules" + (initrd.note().isEmpty() ? "" : " (" + initrd.note() + ")"));
        out.add(config == null && index.directory().isEmpty()
                ? Check.warn("kernel config", sources, "keep the kernel's .config beside it as config-" + release + ", or build with CONFIG_IKCONFIG=y")
                : Check.ok("kernel config", sources));
        if (index.directory().isPresent() && !index.depFile()) {
            Path dir = index.directory().get();
            Path root = dir.getParent() != null && dir.getParent().getParent() != null && dir.getParent().endsWith("lib/modules")
                    ? dir.getParent().getParent().getParent() : null;
            out.add(Check.warn("modules.dep", dir + " has no modules.dep: the guest cannot load modules from it",
                    "run depmod" + (root == null ? "" : " -b " + root) + " " + release));
        }
        for (Requirement r : REQUIREMENTS) {
            if (r.only() == null || machine == null || r.only() == machine) {
                out.add(one(r, release, config, index, initrd));
            }
        }
        return out;
    }

    /**
     * Checks a kernel for every machine.
     *
     * @return as {@link #check(String, KernelConfig, ModulesIndex, InitrdModules, Machine)} with no machine
     */
    public static List<Check> check(String release, KernelConfig config, ModulesIndex index, InitrdModules initrd) {
        return check(release, config, index, initrd, null);
    }

    private static Check one(Requirement r, String release, KernelConfig config, ModulesIndex index, InitrdModules initrd) {
        String name = "CONFIG_" + r.option();
        String value;
        if (config != null) {
            value = config.value(r.option());
        } else if (r.module() != null && index.isBuiltin(r.module())) {
            value = "y";
        } else if (r.module() != null && index.isLoadable(r.module())) {
            value = "m";
        } else {
            return Check.warn(name, "unknown (no kernel config" + (r.module() == null ? ")" : " and no " + r.module() + " in modules.builtin or modules.dep)")
                    + ": needed for " + r.why(), "make sure " + name + "=y");
        }
        if (value.equals("y")) {
            return Check.ok(name, "=y: built in");
        }
        if (value.equals("m") && r.module() != null) {
            return module(r, name, release, index, initrd);
        }
        String found = value.equals("n") ? "is not set" : "=" + value + " (expected y)";
        String detail = found + ": needed for " + r.why();
        String fix = "set " + name + "=y" + (r.module() != null && r.need() == Need.LATER ? " (or =m)" : "")
                + (r.only() == Machine.MICROVM ? ", or boot with --machine q35" : "")
                + (r.option().equals("VIRTIO_PCI") && config != null && !config.value("VIRTIO_MMIO").equals("n")
                        ? " (CONFIG_VIRTIO_MMIO does not serve: kboot's devices are virtio-pci on microvm too, pcie=on)" : "");
        return r.severe() ? Check.fail(name, detail, fix) : Check.warn(name, detail, fix);
    }

    private static Check module(Requirement r, String name, String release, ModulesIndex index, InitrdModules initrd) {
        String ko = r.module() + ".ko";
        if (r.need() == Need.LATER) {
            if (index.isLoadable(r.module())) {
                return Check.ok(name, "=m: " + ko + ", loaded from the modules share");
            }
            if (initrd != null && initrd.holds(r.module(), release)) {
                return Check.ok(name, "=m: " + ko + " is in the initrd");
            }
            return fail(r, name, "=m, but " + ko + " is not in " + index.directory().map(Path::toString).orElse("any modules directory (none found)"),
                    "pass --modules DIR holding " + release + "/ with " + ko + ", or set " + name + "=y");
        }
        if (initrd == null) {
            return Check.warn(name, "module " + ko + ": needed in stage 1 for " + r.why() + "; no initrd to check",
                    "set " + name + "=y, or boot an initrd that loads " + ko + " built for " + release);
        }
        List<String> needed = index.isLoadable(r.module()) ? index.withDependencies(r.module()) : List.of(r.module());
        List<String> lacking = new ArrayList<>();
        for (String m : needed) {
            if (!index.isBuiltin(m) && !initrd.holds(m, release)) {
                lacking.add(m);
            }
        }
        if (lacking.isEmpty()) {
            return Check.ok(name, "=m: " + ko + " is in the initrd");
        }
        String other = initrd.releaseOf(lacking.get(0)).filter(x -> !x.isEmpty() && !x.equals(release))
                .map(x -> " (it holds " + lacking.get(0) + ".ko for " + x + ", not " + release + ")").orElse("");
        return fail(r, name, "=m, but the closure's initrd lacks " + String.join(".ko, ", lacking) + ".ko" + other
                        + ": needed in stage 1 for " + r.why(),
                "set " + name + "=y, or boot an initrd with this kernel's " + ko + " (NixOS: boot.initrd.availableKernelModules)");
    }

    private static Check fail(Requirement r, String name, String detail, String fix) {
        return r.severe() ? Check.fail(name, detail, fix) : Check.warn(name, detail, fix);
    }

    /**
     * @param checks a preflight's checks
     * @return the failures among them, one line each ({@code CONFIG_VIRTIO_FS is not set: needed for ...})
     */
    public static List<String> failures(List<Check> checks) {
        return checks.stream().filter(c -> c.level() == Check.Level.FAIL).map(c -> c.name() + (c.detail().startsWith("=") ? "" : " ") + c.detail()).toList();
    }
}
