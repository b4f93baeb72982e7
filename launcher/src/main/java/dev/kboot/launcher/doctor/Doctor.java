package dev.kboot.launcher.doctor;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.bootspec.Closure;
import dev.kboot.launcher.kernel.KernelImage;
import dev.kboot.launcher.kernel.KernelInspector;
import dev.kboot.launcher.qemu.AcceleratorProbe;
import dev.kboot.launcher.qemu.Machine;
import dev.kboot.launcher.qemu.QemuBinary;
import dev.kboot.launcher.vm.Planner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code kboot doctor}: can this host, and this kernel with this closure, boot the imageless way?
 * The host checks ({@link HostChecks}) and, when a kernel is known, the kconfig preflight
 * ({@link KernelPreflight}).
 */
public final class Doctor {
    /**
     * What to check.
     *
     * @param result    a closure (toplevel, result link or boot.json), or null
     * @param kernel    a kernel image (else the closure's), or null
     * @param modules   the modules root (else found beside the kernel as {@code kboot run} does), or null
     * @param initrd    an initrd (else the closure's), or null
     * @param qemu      --qemu, or null
     * @param virtiofsd --virtiofsd, or null
     */
    public record Request(Path result, Path kernel, Path modules, Path initrd, Path qemu, Path virtiofsd) {
    }

    /**
     * What was found.
     *
     * @param host   the host checks
     * @param kernel the kernel and the kconfig preflight, or empty without a kernel
     * @param label  what the kernel checks were for ({@code Linux 6.1.0-57-amd64 (bzImage) with the closure's initrd}), or ""
     */
    public record Report(List<Check> host, List<Check> kernel, String label) {
        /** Copies the lists. */
        public Report {
            host = List.copyOf(host);
            kernel = List.copyOf(kernel);
        }

        /** @return whether any check failed */
        public boolean failed() {
            return host.stream().anyMatch(c -> c.level() == Check.Level.FAIL) || kernel.stream().anyMatch(c -> c.level() == Check.Level.FAIL);
        }
    }

    private Doctor() {
    }

    /**
     * Runs every check that applies.
     *
     * @param r what to check
     * @return the report
     * @throws KbootException 65/66 for a malformed or missing closure, kernel or --modules directory
     */
    public static Report run(Request r) {
        Closure closure = r.result() == null ? null : Closure.resolve(r.result(), null, null);
        Path kernelPath = r.kernel() != null ? r.kernel() : closure == null ? null : closure.toHost(closure.bootspec().kernel());
        if (kernelPath != null && !Files.exists(kernelPath)) {
            throw KbootException.missing(r.kernel() != null ? "--kernel" : "bootspec kernel", kernelPath);
        }
        KernelImage image = kernelPath == null ? null : KernelInspector.inspect(kernelPath);
        List<Check> host = HostChecks.run(r.qemu(), r.virtiofsd(), kernelPath);
        if (image == null) {
            return new Report(host, List.of(), "");
        }
        if (r.initrd() != null && !Files.isRegularFile(r.initrd())) {
            throw KbootException.missing("--initrd", r.initrd());
        }
        Path initrd = r.initrd() != null ? r.initrd()
                : closure == null ? null : closure.bootspec().initrd().map(closure::toHost).filter(Files::isRegularFile).orElse(null);
        Optional<Path> modules = Planner.modulesDir(r.modules(), kernelPath, image.release());
        // the machine `kboot run` would boot on this host (microvm needs more of the kernel: ACPI and
        // MMCONFIG for its PCIe host bridge, so checking it on a TCG host would fail a kernel q35 boots)
        Machine machine;
        try {
            QemuBinary qemu = QemuBinary.find(r.qemu());
            machine = Planner.autoMachine(qemu, AcceleratorProbe.withoutProbe(AcceleratorProbe.Choice.AUTO, qemu).accel());
        } catch (KbootException e) {
            machine = null; // no QEMU (a host check says so): check what every machine needs
        }
        String label = "Linux " + image.release() + " (" + kernelPath + ")" + (initrd == null ? "" : " with " + (r.initrd() != null ? r.initrd() : "the closure's initrd"))
                + (machine == null ? "" : " on " + machine.qemuName());
        return new Report(host, KernelPreflight.check(image, modules.orElse(null), initrd, machine), label);
    }
}
