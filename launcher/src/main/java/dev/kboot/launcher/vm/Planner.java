package dev.kboot.launcher.vm;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.ToolProbe;
import dev.kboot.launcher.bootspec.Bootspec;
import dev.kboot.launcher.bootspec.Closure;
import dev.kboot.launcher.kernel.KernelImage;
import dev.kboot.launcher.kernel.KernelInspector;
import dev.kboot.launcher.kernel.VmlinuxCache;
import dev.kboot.launcher.qemu.Accelerator;
import dev.kboot.launcher.qemu.AcceleratorProbe;
import dev.kboot.launcher.qemu.HostInfo;
import dev.kboot.launcher.qemu.Machine;
import dev.kboot.launcher.qemu.QemuBinary;
import dev.kboot.launcher.virtiofs.Share;
import dev.kboot.launcher.virtiofs.VirtiofsdBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a {@link BootRequest} into a {@link BootPlan}: reads the bootspec, finds the kernel,
 * initrd and modules, finds and identifies QEMU and virtiofsd, picks the machine, the kernel
 * image to load and the accelerator, and builds the kernel command line.
 *
 * <p>The command line is the bootspec's {@code kernelParams}, then the imageless contract
 * ({@code root=tmpfs console=ttyS0,115200 console=hvc0 init=<init> panic=-1}), then
 * {@link #TCG_PARAMS} and {@code tsc_early_khz=} under TCG, then {@link #FAST_PARAMS} with --fast, then
 * --append (so the user has the last word).
 *
 * <p>{@code --machine auto} is microvm where QEMU has it, except under TCG: q35 (see
 * {@link #machineFor}).
 */
public final class Planner {
    /**
     * What {@code --fast} adds to the kernel command line: documented kernel parameters
     * (Documentation/admin-guide/kernel-parameters.txt) that skip boot work a developer's run does
     * not need. {@code cryptomgr.notests}: no crypto self-tests at algorithm registration.
     * {@code initcall_blacklist=crypto_kdf108_init}: the SP800-108 KDF's self-test, which
     * crypto/kdf_sp800108.c runs from its initcall whether or not the crypto self-tests are on
     * (Linux 5.19 until it was made FIPS-only; ~95 ms of a TCG boot of Debian's 6.1); the initcall
     * registers nothing else (the KDF is a library its users call), and on a kernel without it
     * the word is ignored. Measured in docs/benchmarks.md. {@code kboot test} never adds them
     * unless asked: a test run tests the kernel as configured.
     */
    public static final List<String> FAST_PARAMS = List.of("cryptomgr.notests", "initcall_blacklist=crypto_kdf108_init");

    /**
     * What every TCG boot adds to the kernel command line (issue 11, docs/reliability.md).
     * {@code no_timer_check} (Documentation/admin-guide/kernel-parameters.txt): skip the IO-APIC
     * check that IRQ0 ticks 4 times within ~80 ms of TSC time ({@code timer_irq_works} in
     * arch/x86/kernel/apic/io_apic.c); under TCG a descheduled vCPU misses those ticks and the
     * kernel then panics "IO-APIC + timer doesn't work!". Linux sets it itself on KVM, Hyper-V and
     * VMware guests, never on TCG.
     */
    public static final List<String> TCG_PARAMS = List.of("no_timer_check");

    private Planner() {
    }

    /**
     * @param r      the request
     * @param dryRun when true nothing is started: the accelerator is not probed (a cached verdict
     *               is used, else KVM is assumed where /dev/kvm exists)
     * @return the plan
     * @throws KbootException with the documented exit code for each bad input or missing tool
     */
    public static BootPlan plan(BootRequest r, boolean dryRun) {
        Closure closure = Closure.resolve(r.result(), r.specialisation(), r.store());
        Bootspec spec = closure.bootspec();
        if (!spec.system().equals("x86_64-linux")) {
            throw KbootException.badInput(spec.source(), Bootspec.V1 + ".system", "expected x86_64-linux (kboot boots x86_64 guests), found '" + spec.system() + "'");
        }
        Path kernelPath = r.kernel() != null ? r.kernel() : closure.toHost(spec.kernel());
        if (!Files.exists(kernelPath)) {
            throw r.kernel() != null ? KbootException.missing("--kernel", kernelPath)
                    : KbootException.missing("bootspec kernel (" + spec.kernel() + ")", kernelPath);
        }
        KernelImage image = KernelInspector.inspect(kernelPath);
        Optional<Path> initrd = Optional.ofNullable(r.initrd()).or(() -> spec.initrd().map(closure::toHost));
        if (initrd.isPresent() && !Files.isRegularFile(initrd.get())) {
            throw r.initrd() != null ? KbootException.missing("--initrd", initrd.get())
                    : KbootException.missing("bootspec initrd (" + spec.initrd().orElse("") + ")", initrd.get());
        }

        List<Share> shares = new ArrayList<>();
        shares.add(new Share(closure.hostStore(), Share.STORE, true));
        String modulesNote;
        Optional<Path> modules = modulesDir(r.modules(), kernelPath, image.release());
        if (modules.isPresent()) {
            shares.add(new Share(modules.get(), Share.MODULES, true));
            modulesNote = "modules: " + modules.get().resolve(image.release());
        } else {
            modulesNote = "modules: none found for " + image.release() + " next to " + kernelPath
                    + " (nothing shared as 'modules'; use --modules DIR)";
        }
        Set<String> tags = new HashSet<>(List.of(Share.STORE, Share.MODULES));
        for (Share s : r.shares()) {
            if (!tags.add(s.tag())) {
                throw KbootException.usage("--share " + s.hostDir() + ":" + s.tag() + ": tag '" + s.tag() + "' is already used");
            }
            shares.add(s);
        }

        QemuBinary qemu = QemuBinary.find(r.qemu());
        VirtiofsdBinary virtiofsd = VirtiofsdBinary.find(r.virtiofsd());
        boolean root = HostInfo.isRoot();
        if (virtiofsd.kind() == VirtiofsdBinary.Kind.LEGACY_C && !root) {
            throw KbootException.unavailable(virtiofsd.path() + " is the legacy C virtiofsd, which needs root; run kboot as root or install the Rust virtiofsd (--virtiofsd PATH)");
        }
        Machine requested = switch (r.machine()) {
            case "microvm" -> {
                if (!qemu.microvm()) {
                    throw KbootException.unavailable("--machine microvm: " + qemu.path() + " has no microvm machine");
                }
                yield Machine.MICROVM;
            }
            case "q35" -> Machine.Q35;
            case "auto" -> qemu.microvm() ? Machine.MICROVM : Machine.Q35;
            default -> throw KbootException.usage("--machine " + r.machine() + ": expected auto, microvm or q35");
        };
        Path bootKernel = new VmlinuxCache(ToolProbe.cacheDir().resolve("vmlinux")).pvhElf(image).orElse(kernelPath);

        // --dry-run starts nothing, so it takes the verdict a probe cached for this host boot
        // (else KVM when /dev/kvm opens, marked unprobed): the command line it prints is the run's.
        AcceleratorProbe.Decision accel = dryRun ? AcceleratorProbe.withoutProbe(r.accel(), qemu)
                : AcceleratorProbe.decide(r.accel(), qemu, requested, bootKernel);
        Machine machine = machineFor(r.machine(), requested, accel.accel());

        List<String> words = cmdlineWords(spec, true);
        if (accel.accel() == Accelerator.TCG) {
            words.addAll(TCG_PARAMS);
            // TCG's TSC runs at the host's rate on every machine: the guest need not calibrate it
            // against a PIT or HPET, which a descheduled vCPU thread makes wrong (docs/reliability.md)
            HostInfo.tscKhz().ifPresent(khz -> words.add("tsc_early_khz=" + khz));
        }
        List<String> fast = r.fast() ? FAST_PARAMS : List.of();
        words.addAll(fast);
        if (r.append() != null && !r.append().isBlank()) {
            words.add(r.append().trim());
        }
        Path unshare = ToolProbe.find(null, List.of("unshare"), List.of()).orElse(null);
        return new BootPlan(closure, image, bootKernel, initrd, List.copyOf(shares), modulesNote, qemu, virtiofsd, accel,
                machine, cpuModel(accel.accel(), r.fast()), String.join(" ", words), r.cpus(), r.memoryBytes(), List.copyOf(r.qemuArgs()), r.agent(), root, unshare, fast,
                r.transfer());
    }

    /**
     * The {@code -cpu} model: {@code host} under KVM; under TCG {@code max} (every feature QEMU
     * emulates, so a test sees what the kernel supports), or with {@code --fast} QEMU's default
     * model, as the physical-limit reference (bench/raw-boot.sh) boots: {@code max} makes the
     * kernel save and restore AVX, MPX and PKU state through XSAVE on every context switch and
     * pick AVX code paths, all emulated (bench/speed-bench.sh measures it). A developer who wants
     * another model passes {@code --qemu-arg=-cpu --qemu-arg=MODEL} (QEMU takes the last).
     *
     * @param accel the accelerator
     * @param fast  --fast
     * @return the model, or "" for QEMU's default (no {@code -cpu})
     */
    public static String cpuModel(Accelerator accel, boolean fast) {
        if (accel == Accelerator.KVM) {
            return "host";
        }
        return fast ? "" : "max";
    }

    /**
     * The machine a boot uses: {@code --machine microvm} or {@code q35} as asked; {@code auto} is
     * microvm where QEMU has it, except under TCG, where it is q35.
     *
     * <p>Why not microvm under TCG: the guest's only timer there is the local APIC timer (QEMU 7.2's
     * microvm has hardware-reduced ACPI: no PIT, no HPET, no ACPI PM timer), and Linux calibrates
     * it against the TSC over 25 ticks (arch/x86/kernel/apic/apic.c, {@code calibrate_APIC_clock}).
     * Under TCG the TSC and the APIC counter follow host time, so a vCPU thread descheduled for
     * ~100 ms inside that window (a loaded host) makes the measured APIC delta near zero: "APIC
     * frequency too slow, disabling apic timer", a guest with no clock event device at all,
     * jiffies frozen, and the secondary CPU waiting for them in {@code calibrate_delay} with
     * interrupts off while CPU0 waits for it: both vCPUs spin for ever, the console silent at
     * {@code loglevel=4}. A shorter stall makes the tick run too fast or too slow. q35 gives the
     * kernel the ACPI PM timer, which corrects the calibration to the time that really passed, and
     * an HPET and a PIT to fall back on. KVM guests have the TSC-deadline timer and need none of it.
     *
     * @param asked     --machine: auto, microvm or q35
     * @param resolved  what {@code asked} resolved to before the accelerator was known (auto: microvm
     *                  where QEMU has it)
     * @param accel     the accelerator decided
     * @return the machine to boot
     */
    public static Machine machineFor(String asked, Machine resolved, Accelerator accel) {
        return "auto".equals(asked) && accel == Accelerator.TCG ? Machine.Q35 : resolved;
    }

    /**
     * What {@code --machine auto} boots with this QEMU and accelerator: {@link #machineFor} of
     * microvm where QEMU has it, else q35. {@code kboot doctor} checks the kernel's needs on it.
     *
     * @param qemu  the QEMU the run would use
     * @param accel the accelerator the run would use
     * @return the machine
     */
    public static Machine autoMachine(QemuBinary qemu, Accelerator accel) {
        return machineFor("auto", qemu.microvm() ? Machine.MICROVM : Machine.Q35, accel);
    }

    /**
     * @param spec the bootspec
     * @param hvc0 whether the guest has the virtio console hvc0 (kboot run's QEMU has; a libvirt domain has only ttyS0)
     * @return the bootspec's {@code kernelParams}, then the imageless contract: {@code root=tmpfs
     *         console=ttyS0,115200 [console=hvc0] init=<init> panic=-1}
     */
    public static List<String> cmdlineWords(Bootspec spec, boolean hvc0) {
        List<String> words = new ArrayList<>(spec.kernelParams());
        words.addAll(List.of("root=tmpfs", "console=ttyS0,115200"));
        if (hvc0) {
            words.add("console=hvc0");
        }
        words.addAll(List.of("init=" + spec.init(), "panic=-1"));
        return words;
    }

    /**
     * Finds the directory to share as {@code modules} (it holds {@code <release>/}).
     *
     * <p>--modules when given (it may name the release directory itself or its parent); else,
     * next to the kernel: {@code <kernel dir>/lib/modules} (a NixOS kernel package),
     * {@code <kernel dir>/../lib/modules} (an unpacked distribution package: boot/ beside
     * lib/), the kernel build tree's {@code mod-install/lib/modules} (for
     * {@code make modules_install INSTALL_MOD_PATH=mod-install}), then the host's
     * {@code /lib/modules} when it has this release.
     */
    public static Optional<Path> modulesDir(Path explicit, Path kernel, String release) {
        if (explicit != null) {
            if (!Files.isDirectory(explicit)) {
                throw KbootException.missing("--modules directory", explicit);
            }
            if (Files.isDirectory(explicit.resolve(release))) {
                return Optional.of(explicit.toAbsolutePath().normalize());
            }
            if (explicit.getFileName() != null && explicit.getFileName().toString().equals(release) && explicit.toAbsolutePath().getParent() != null) {
                return Optional.of(explicit.toAbsolutePath().getParent().normalize());
            }
            throw KbootException.badInput(explicit, null, "expected a directory holding " + release + "/ (the kernel's release), found none");
        }
        Path dir = kernel.toAbsolutePath().getParent();
        List<Path> candidates = new ArrayList<>();
        candidates.add(dir.resolve("lib/modules"));
        if (dir.getParent() != null) {
            candidates.add(dir.getParent().resolve("lib/modules"));
        }
        // arch/x86/boot/bzImage in a kernel build tree
        if (dir.endsWith(Paths.get("arch/x86/boot")) && dir.getParent().getParent().getParent() != null) {
            candidates.add(dir.getParent().getParent().getParent().resolve("mod-install/lib/modules"));
        }
        candidates.add(Paths.get("/lib/modules"));
        for (Path c : candidates) {
            if (Files.isDirectory(c.resolve(release))) {
                return Optional.of(c.normalize());
            }
        }
        return Optional.empty();
    }
}
