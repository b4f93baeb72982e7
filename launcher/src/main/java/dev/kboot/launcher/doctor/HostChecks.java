package dev.kboot.launcher.doctor;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.ToolProbe;
import dev.kboot.launcher.process.RunDirectory;
import dev.kboot.launcher.qemu.Accelerator;
import dev.kboot.launcher.qemu.AcceleratorProbe;
import dev.kboot.launcher.qemu.HostInfo;
import dev.kboot.launcher.qemu.Machine;
import dev.kboot.launcher.qemu.QemuBinary;
import dev.kboot.launcher.virtiofs.VirtiofsdBinary;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.zeroturnaround.exec.ProcessExecutor;

/**
 * The host half of {@code kboot doctor}: what a boot needs from this machine, each as a
 * {@link Check} with its fix. Uses the same probes as a boot (and their caches), so it says what
 * {@code kboot run} would find.
 */
public final class HostChecks {
    /** Below this much free space in the runtime directory a run may fail to write its logs. */
    static final long RUNTIME_MIN_BYTES = 64L << 20;
    /** Below this much free space in the cache the uncompressed kernel (about 3x a bzImage) may not fit. */
    static final long CACHE_MIN_BYTES = 512L << 20;

    private HostChecks() {
    }

    /**
     * Runs the host checks.
     *
     * @param qemuPath      --qemu, or null for $PATH
     * @param virtiofsdPath --virtiofsd, or null for $PATH and the usual places
     * @param kernel        a kernel to run the KVM probe with when no verdict is cached, or null
     * @return the checks, in order: qemu, memfd, virtiofsd, kvm, unshare, runtime directory, cache
     */
    public static List<Check> run(Path qemuPath, Path virtiofsdPath, Path kernel) {
        List<Check> out = new ArrayList<>();
        QemuBinary qemu = null;
        try {
            qemu = QemuBinary.find(qemuPath);
            out.add(Check.ok("qemu", qemu.versionLine() + " at " + qemu.path() + "; machines: "
                    + (qemu.microvm() ? "microvm (used under KVM), q35 (used under TCG)" : "q35 (no microvm: KVM boots are slower)")));
        } catch (KbootException e) {
            out.add(Check.fail("qemu", e.getMessage(), install("qemu-system-x86", "qemu-system-x86-core", "qemu-base", "qemu") + ", or pass --qemu PATH"));
        }
        if (qemu != null) {
            out.add(memfd(qemu));
        }
        boolean root = HostInfo.isRoot();
        VirtiofsdBinary virtiofsd = null;
        try {
            virtiofsd = VirtiofsdBinary.find(virtiofsdPath);
            String what = (virtiofsd.kind() == VirtiofsdBinary.Kind.RUST ? "Rust" : "legacy C") + " virtiofsd at " + virtiofsd.path()
                    + " (" + virtiofsd.version() + ")";
            if (virtiofsd.kind() == VirtiofsdBinary.Kind.LEGACY_C && !root) {
                out.add(Check.fail("virtiofsd", what + ": it needs root", "run kboot as root, or install the Rust virtiofsd ("
                        + install("virtiofsd", "virtiofsd", "virtiofsd", "virtiofsd") + ") and pass --virtiofsd PATH"));
            } else {
                out.add(Check.ok("virtiofsd", what));
            }
        } catch (KbootException e) {
            out.add(Check.fail("virtiofsd", e.getMessage(), install("qemu-system-x86 (Debian 12 ships /usr/lib/qemu/virtiofsd) or virtiofsd", "virtiofsd", "virtiofsd", "virtiofsd")));
        }
        out.add(kvm(qemu, kernel));
        if (virtiofsd != null && virtiofsd.kind() == VirtiofsdBinary.Kind.LEGACY_C && root) {
            out.add(unshare());
        }
        out.add(space("runtime directory", RunDirectory.base(), RUNTIME_MIN_BYTES, true));
        out.add(space("cache", ToolProbe.cacheDir(), CACHE_MIN_BYTES, false));
        return out;
    }

    /** vhost-user-fs needs guest RAM QEMU can share with virtiofsd: {@code memory-backend-memfd}. */
    static Check memfd(QemuBinary qemu) {
        try {
            String objects = ToolProbe.output(qemu.path(), "-object", "help");
            if (objects.contains("memory-backend-memfd")) {
                return Check.ok("memfd", "QEMU has memory-backend-memfd (guest RAM shared with virtiofsd)");
            }
            return Check.fail("memfd", qemu.path() + " has no memory-backend-memfd: virtiofs cannot work with it",
                    "use a QEMU built with memfd support (Linux hosts, QEMU 2.12+)");
        } catch (KbootException e) {
            return Check.warn("memfd", "cannot ask QEMU: " + e.getMessage(), "");
        }
    }

    /** /dev/kvm, and the accelerator probe's verdict (cached, else probed when a kernel is known). */
    static Check kvm(QemuBinary qemu, Path kernel) {
        Path dev = Paths.get("/dev/kvm");
        String slow = "kboot falls back to TCG (software emulation, about 10x slower)";
        if (!Files.exists(dev)) {
            return Check.warn("kvm", "/dev/kvm does not exist: " + slow, "enable virtualization in the firmware and load kvm_intel or kvm_amd");
        }
        try (FileChannel ignored = FileChannel.open(dev, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // usable by this user
        } catch (IOException | SecurityException e) {
            return Check.warn("kvm", "/dev/kvm cannot be opened read-write (" + e.getMessage() + "): " + slow, "add yourself to the 'kvm' group");
        }
        if (qemu == null) {
            return Check.warn("kvm", "/dev/kvm opens read-write; not probed (no QEMU)", "");
        }
        Optional<AcceleratorProbe.Decision> d = AcceleratorProbe.cached(qemu);
        String how = "cached verdict of this host boot's probe";
        if (d.isEmpty() && kernel != null) {
            d = Optional.of(AcceleratorProbe.decide(AcceleratorProbe.Choice.AUTO, qemu, qemu.microvm() ? Machine.MICROVM : Machine.Q35, kernel));
            how = "probe boot of " + kernel.getFileName();
        }
        if (d.isEmpty()) {
            return Check.ok("kvm", "/dev/kvm opens read-write; not probed yet (the first boot probes it, or give --kernel)");
        }
        if (d.get().accel() == Accelerator.KVM) {
            return Check.ok("kvm", "KVM works (" + how + ")");
        }
        return Check.warn("kvm", "KVM unusable: " + d.get().reason().replace(" (cached for this host boot)", "") + " (" + how + "): " + slow,
                "check the host's KVM (dmesg, nested virtualization settings); --accel tcg skips the probe");
    }

    /** The legacy C virtiofsd serves read-only shares through a read-only bind in a private mount namespace. */
    static Check unshare() {
        Optional<Path> u = ToolProbe.find(null, List.of("unshare"), List.of());
        String loses = "read-only shares (the store, the modules) would be writable by the guest";
        if (u.isEmpty()) {
            return Check.warn("unshare", "unshare(1) not found: " + loses, install("util-linux", "util-linux", "util-linux", "util-linux"));
        }
        try {
            int rc = new ProcessExecutor().command(u.get().toString(), "--mount", "--propagation", "private", "--", "true")
                    .timeout(10, TimeUnit.SECONDS).exitValueAny().execute().getExitValue();
            if (rc == 0) {
                return Check.ok("unshare", u.get() + " makes private mount namespaces (read-only shares for the legacy virtiofsd)");
            }
            return Check.warn("unshare", u.get() + " --mount failed (exit " + rc + "): " + loses, "allow mount namespaces (a container may forbid them)");
        } catch (Exception e) {
            return Check.warn("unshare", "cannot run " + u.get() + ": " + e.getMessage() + ": " + loses, "");
        }
    }

    /** A directory kboot writes to: creatable, writable, with room. */
    static Check space(String name, Path dir, long min, boolean severe) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isWritable(existing)) {
            String d = dir + ": cannot be created or written (" + existing + " is not writable)";
            String fix = "set XDG_RUNTIME_DIR or XDG_CACHE_HOME to a writable directory";
            return severe ? Check.fail(name, d, fix) : Check.warn(name, d, fix);
        }
        try {
            long free = Files.getFileStore(existing).getUsableSpace();
            String d = dir + " (" + human(free) + " free)";
            if (free < min) {
                return Check.warn(name, d + ": less than " + human(min), "free space on " + existing);
            }
            return Check.ok(name, d);
        } catch (IOException e) {
            return Check.warn(name, dir + ": free space unknown (" + e.getMessage() + ")", "");
        }
    }

    /** @return bytes as {@code 1.5 GiB} or {@code 300 MiB} */
    static String human(long bytes) {
        return bytes >= (1L << 30) ? String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30)) : (bytes >> 20) + " MiB";
    }

    /**
     * @return how to install a package on this host's distribution (from /etc/os-release), e.g.
     *         {@code install it: apt-get install qemu-system-x86}
     */
    static String install(String debian, String fedora, String arch, String nixpkgs) {
        String id = osRelease();
        if (id.matches(".*\\b(fedora|rhel|centos|rocky|almalinux)\\b.*")) {
            return "install it: dnf install " + fedora;
        }
        if (id.matches(".*\\barch\\b.*")) {
            return "install it: pacman -S " + arch;
        }
        if (id.matches(".*\\bnixos\\b.*")) {
            return "install it: add pkgs." + nixpkgs + " to environment.systemPackages";
        }
        return "install it: apt-get install " + debian + " (Debian, Ubuntu)";
    }

    /** @return /etc/os-release's ID and ID_LIKE, lower case, or "" */
    private static String osRelease() {
        try {
            StringBuilder s = new StringBuilder();
            for (String l : Files.readAllLines(Paths.get("/etc/os-release"))) {
                if (l.startsWith("ID=") || l.startsWith("ID_LIKE=")) {
                    s.append(l.substring(l.indexOf('=') + 1).replace("\"", "")).append(' ');
                }
            }
            return s.toString().toLowerCase(java.util.Locale.ROOT);
        } catch (IOException e) {
            return "";
        }
    }
}
