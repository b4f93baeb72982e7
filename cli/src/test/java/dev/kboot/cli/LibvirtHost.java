package dev.kboot.cli;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.libvirt.LibvirtConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real libvirt daemon for the end-to-end tests, on a host without systemd: starts
 * {@code virtlogd -d} and {@code libvirtd -d} when libvirtd does not answer, and the
 * {@code default} network when it is inactive; {@link #close()} undoes exactly what it did (the
 * network, then the daemons it started, by the pids in their pid files). One holder at a time on
 * a host: {@link #up()} takes an exclusive lock on {@value #LOCK} until {@link #close()}, so that
 * two test runs (two checkouts on one machine) never stop the daemon under each other.
 */
final class LibvirtHost implements AutoCloseable {
    static final String URI = "qemu:///system";
    private static final Duration READY = Duration.ofSeconds(90);

    static final String LOCK = "/run/lock/kboot-libvirt-it.lock";
    private final List<Path> startedDaemons = new ArrayList<>();
    private java.nio.channels.FileChannel lockFile;
    private boolean startedNetwork;

    static LibvirtHost up() throws Exception {
        LibvirtHost h = new LibvirtHost();
        Files.createDirectories(Path.of(LOCK).getParent());
        h.lockFile = java.nio.channels.FileChannel.open(Path.of(LOCK), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        h.lockFile.lock(); // waits for another run's tests to end
        try {
            if (!answers()) {
                h.daemon("virtlogd", Path.of("/run/virtlogd.pid"));
                h.daemon("libvirtd", Path.of("/run/libvirtd.pid"));
                Awaitility.await("libvirtd answers on " + URI).atMost(READY).pollInterval(Duration.ofMillis(200)).until(LibvirtHost::answers);
            }
            if (!virsh("net-info", "default").out.matches("(?s).*Active:\\s+yes.*")) {
                Result r = virsh("net-start", "default");
                if (r.code != 0) {
                    throw new AssertionError("cannot start libvirt's default network: " + r.out);
                }
                h.startedNetwork = true;
            }
            return h;
        } catch (Exception | AssertionError e) {
            h.close();
            throw e;
        }
    }

    static boolean answers() {
        try (LibvirtConnection c = LibvirtConnection.open(URI)) {
            return true;
        } catch (KbootException e) {
            return false;
        }
    }

    private void daemon(String name, Path pidFile) throws Exception {
        if (Files.exists(pidFile) && pid(pidFile).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false)) {
            return; // running, not answering yet
        }
        Process p = new ProcessBuilder(name, "-d").redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(name + " -d failed: " + new String(p.getInputStream().readAllBytes()));
        }
        startedDaemons.add(pidFile);
    }

    private static Optional<Long> pid(Path pidFile) {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    record Result(int code, String out) {
    }

    static Result virsh(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("virsh", "-q", "-c", URI));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, out);
        }
        return new Result(p.exitValue(), out);
    }

    /** Stops the network and the daemons this host started, in reverse order. */
    @Override
    public void close() throws Exception {
        try {
            if (startedNetwork) {
                virsh("net-destroy", "default");
            }
            for (int i = startedDaemons.size() - 1; i >= 0; i--) {
                Optional<ProcessHandle> p = pid(startedDaemons.get(i)).flatMap(ProcessHandle::of);
                if (p.isPresent()) {
                    p.get().destroy();
                    p.get().onExit().get(60, TimeUnit.SECONDS);
                }
            }
        } finally {
            if (lockFile != null) {
                lockFile.close(); // releases the lock
            }
        }
    }
}
