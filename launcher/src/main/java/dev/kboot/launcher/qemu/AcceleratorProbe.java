package dev.kboot.launcher.qemu;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.ToolProbe;
import dev.kboot.launcher.process.RunDirectory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.StartedProcess;
import org.zeroturnaround.exec.stream.LogOutputStream;

/**
 * Decides the accelerator. Opening /dev/kvm read-write is not proof that KVM works: on some hosts
 * KVM guests hang or QEMU aborts setting MSRs (virtme-ng #147: a silent fallback made boots 10x
 * slower). So {@code auto} and {@code kvm} run a probe boot: the kernel being booted, under KVM,
 * with early printk on the serial port; KVM works when the kernel's {@code Linux version} banner
 * appears within a bounded time. The verdict is cached per host boot (boot_id) and QEMU binary
 * in {@code $XDG_CACHE_HOME/kboot/accel.json}, so only the first run after a host reboot pays.
 */
public final class AcceleratorProbe {
    /** How long a probe boot may take to print the banner under working KVM. */
    public static final Duration PROBE_BUDGET = Duration.ofSeconds(5);

    /** What was chosen and why. */
    public record Decision(Accelerator accel, String reason, boolean fellBack) {
    }

    /** The user's choice ({@code --accel}). */
    public enum Choice {
        AUTO, KVM, TCG
    }

    private AcceleratorProbe() {
    }

    /**
     * @param choice  --accel
     * @param qemu    the QEMU that will boot
     * @param machine the machine type to probe on
     * @param kernel  a kernel QEMU can boot directly (used for the probe)
     * @return the decision; with {@code auto}, {@code fellBack} tells that KVM was unusable
     * @throws KbootException exit 69 when {@code kvm} was asked for and KVM is unusable
     */
    public static Decision decide(Choice choice, QemuBinary qemu, Machine machine, Path kernel) {
        if (choice == Choice.TCG) {
            return new Decision(Accelerator.TCG, "--accel tcg", false);
        }
        String unusable = kvmUnusable(qemu, machine, kernel);
        if (unusable == null) {
            return new Decision(Accelerator.KVM, "KVM works", false);
        }
        if (choice == Choice.KVM) {
            throw KbootException.unavailable("--accel kvm: KVM is unusable here: " + unusable);
        }
        return new Decision(Accelerator.TCG, unusable, true);
    }

    /**
     * The verdict an earlier probe cached for this host boot and this QEMU, without probing.
     *
     * @param qemu the QEMU that would boot
     * @return KVM or TCG with the reason, or empty when nothing is cached
     */
    public static java.util.Optional<Decision> cached(QemuBinary qemu) {
        return cached(qemu, ToolProbe.cacheDir().resolve("accel.json"));
    }

    private static java.util.Optional<Decision> cached(QemuBinary qemu, Path cacheFile) {
        java.util.Map<String, Object> cache = readCache(cacheFile);
        if (!(HostInfo.bootId() + "|" + qemu.path() + "|" + qemu.versionLine()).equals(cache.get("key"))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(Boolean.TRUE.equals(cache.get("ok")) ? new Decision(Accelerator.KVM, "KVM works", false)
                : new Decision(Accelerator.TCG, String.valueOf(cache.get("reason")), true));
    }

    /**
     * The decision a run would take, without a probe boot: what {@link #decide} returns when the
     * verdict is cached for this host boot and QEMU, the same refusals before that (no /dev/kvm, not
     * read-write), and otherwise KVM marked as not yet probed. Used by {@code --dry-run}, which
     * starts nothing but must print the command line the run will use.
     *
     * @param choice --accel
     * @param qemu   the QEMU that would boot
     * @return the decision; its reason says when KVM was not probed yet
     * @throws KbootException exit 69 when {@code kvm} was asked for and KVM is known to be unusable
     */
    public static Decision withoutProbe(Choice choice, QemuBinary qemu) {
        return withoutProbe(choice, qemu, Paths.get("/dev/kvm"), ToolProbe.cacheDir().resolve("accel.json"));
    }

    /** {@link #withoutProbe(Choice, QemuBinary)} with the KVM device and the cache file given (for tests). */
    static Decision withoutProbe(Choice choice, QemuBinary qemu, Path kvmDevice, Path cacheFile) {
        if (choice == Choice.TCG) {
            return new Decision(Accelerator.TCG, "--accel tcg", false);
        }
        String unusable = kvmUnopenable(kvmDevice);
        if (unusable == null) {
            java.util.Optional<Decision> known = cached(qemu, cacheFile);
            if (known.isEmpty()) {
                return new Decision(Accelerator.KVM, "/dev/kvm opens; not probed yet: the run probes it first and falls back to TCG if KVM guests make no progress", false);
            }
            if (known.get().accel() == Accelerator.KVM) {
                return new Decision(Accelerator.KVM, "KVM works (cached for this host boot)", false);
            }
            unusable = known.get().reason() + " (cached for this host boot)";
        }
        if (choice == Choice.KVM) {
            throw KbootException.unavailable("--accel kvm: KVM is unusable here: " + unusable);
        }
        return new Decision(Accelerator.TCG, unusable, true);
    }

    /** @return null when the KVM device exists and opens read-write, else why not */
    private static String kvmUnopenable(Path kvm) {
        if (!Files.exists(kvm)) {
            return kvm + " does not exist";
        }
        try (FileChannel ignored = FileChannel.open(kvm, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return null;
        } catch (IOException | SecurityException e) {
            return kvm + " cannot be opened read-write (" + e.getMessage() + "; add yourself to the 'kvm' group)";
        }
    }

    /** @return null when KVM works, else why not */
    private static String kvmUnusable(QemuBinary qemu, Machine machine, Path kernel) {
        String unopenable = kvmUnopenable(Paths.get("/dev/kvm"));
        if (unopenable != null) {
            return unopenable;
        }
        Path cacheFile = ToolProbe.cacheDir().resolve("accel.json");
        String key = HostInfo.bootId() + "|" + qemu.path() + "|" + qemu.versionLine();
        java.util.Map<String, Object> cache = readCache(cacheFile);
        if (key.equals(cache.get("key"))) {
            return Boolean.TRUE.equals(cache.get("ok")) ? null : cache.get("reason") + " (cached for this host boot)";
        }
        String reason = probe(qemu, machine, kernel);
        java.util.Map<String, Object> n = new java.util.LinkedHashMap<>();
        n.put("key", key);
        n.put("ok", reason == null);
        n.put("reason", reason);
        try {
            Files.createDirectories(cacheFile.getParent());
            JSON.std.write(n, cacheFile.toFile());
        } catch (IOException e) {
            // uncached: the next run probes again
        }
        return reason;
    }

    private static java.util.Map<String, Object> readCache(Path f) {
        try {
            return Files.exists(f) ? JSON.std.mapFrom(f.toFile()) : java.util.Map.of();
        } catch (IOException e) {
            return java.util.Map.of();
        }
    }

    /** Boots {@code kernel} under KVM until its banner shows; @return null on success, else why not. */
    static String probe(QemuBinary qemu, Machine machine, Path kernel) {
        List<String> argv = new ArrayList<>(List.of(qemu.path().toString(), "-nodefaults", "-no-user-config", "-no-reboot",
                "-display", "none", "-machine", machine.qemuName(), "-accel", "kvm", "-cpu", "host", "-m", "256M",
                "-kernel", kernel.toString(), "-append", "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1",
                "-serial", "stdio", "-monitor", "none"));
        CountDownLatch banner = new CountDownLatch(1);
        StringBuilder output = new StringBuilder();
        // The probe's QEMU is a run's child like any other: recorded, so that the out-of-process
        // reaper stops it even when kboot is SIGKILLed during the probe (on a host where KVM
        // guests hang, an orphaned probe would spin for ever).
        RunDirectory run;
        try {
            run = RunDirectory.create(RunDirectory.base());
        } catch (IOException e) {
            return "no run directory for the KVM probe under " + RunDirectory.base() + ": " + e.getMessage();
        }
        StartedProcess started;
        try {
            started = new ProcessExecutor().command(argv).redirectErrorStream(true)
                    .redirectOutput(new LogOutputStream() {
                        @Override
                        protected void processLine(String line) {
                            synchronized (output) {
                                if (output.length() < 4096) {
                                    output.append(line).append('\n');
                                }
                            }
                            if (line.contains("Linux version")) {
                                banner.countDown();
                            }
                        }
                    }).destroyOnExit().start();
        } catch (IOException e) {
            run.finish(false);
            return "the KVM probe could not start " + qemu.path() + ": " + e.getMessage();
        }
        try {
            run.recordChild("qemu-kvm-probe", started.getProcess().toHandle());
            long deadline = System.nanoTime() + PROBE_BUDGET.toNanos();
            while (System.nanoTime() < deadline) {
                if (banner.await(20, TimeUnit.MILLISECONDS)) {
                    return null;
                }
                if (!started.getProcess().isAlive()) {
                    started.getFuture().get(1, TimeUnit.SECONDS);
                    String out;
                    synchronized (output) {
                        out = output.toString().lines().filter(l -> !l.isBlank()).findFirst().orElse("no output");
                    }
                    return "the KVM probe boot failed: qemu " + describe(started.getProcess().exitValue()) + ": " + out;
                }
            }
            return "the KVM probe boot made no progress within " + PROBE_BUDGET.toSeconds() + " s (KVM guests hang on this host)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            return "the KVM probe boot failed: " + e.getMessage();
        } catch (IOException e) {
            return "the KVM probe's QEMU could not be recorded in " + run.path() + ": " + e.getMessage();
        } finally {
            started.getProcess().destroyForcibly();
            try {
                started.getProcess().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            run.finish(false);
        }
    }

    private static String describe(int status) {
        return status > 128 ? "killed by signal " + (status - 128) : "exited with status " + status;
    }
}
