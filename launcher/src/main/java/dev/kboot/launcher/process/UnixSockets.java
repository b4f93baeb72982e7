package dev.kboot.launcher.process;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Readiness of unix sockets that another process serves (virtiofsd), checked without connecting:
 * a vhost-user backend serves exactly one connection, so a probe connection would use it up.
 *
 * <p>A socket is ready when the kernel lists it as listening in {@code /proc/net/unix} (flag
 * {@code __SO_ACCEPTCON}, 0x10000). The wait is event-driven: an inotify watch (Java's
 * WatchService) on the socket's directory wakes it when the socket appears.
 */
public final class UnixSockets {
    private static final int SO_ACCEPTCON = 0x10000;

    private UnixSockets() {
    }

    /**
     * @param sockets absolute socket paths
     * @return whether every one is listening now
     */
    public static boolean allListening(List<Path> sockets) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Paths.get("/proc/net/unix"));
        } catch (IOException e) {
            return sockets.stream().allMatch(Files::exists);
        }
        for (Path s : sockets) {
            String want = s.toAbsolutePath().toString();
            boolean found = false;
            for (String l : lines) {
                if (l.endsWith(want)) {
                    String[] f = l.trim().split("\\s+");
                    if (f.length >= 8 && f[7].equals(want) && (Integer.parseInt(f[3], 16) & SO_ACCEPTCON) != 0) {
                        found = true;
                        break;
                    }
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits until every socket in {@code sockets} (all in directory {@code dir}) is listening.
     *
     * @param dir      the directory the sockets are created in
     * @param sockets  the socket paths
     * @param deadline when to give up
     * @param abort    a reason to stop early (a daemon exited), checked on every wake-up
     * @return empty when ready, else why not ("timed out" or the abort reason)
     */
    public static Optional<String> awaitListening(Path dir, List<Path> sockets, Deadline deadline, Supplier<Optional<String>> abort)
            throws InterruptedException, IOException {
        try (WatchService ws = FileSystems.getDefault().newWatchService()) {
            dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE);
            long wait = 20;
            while (true) {
                if (allListening(sockets)) {
                    return Optional.empty();
                }
                Optional<String> stop = abort.get();
                if (stop.isPresent()) {
                    return stop;
                }
                if (deadline.expired()) {
                    return Optional.of("timed out after " + deadline.budget().toMillis() + " ms");
                }
                WatchKey key = ws.poll(deadline.remainingMillis(wait), TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    wait = 1; // a socket appeared: listen() follows bind() at once
                } else {
                    wait = Math.min(wait * 2, 50);
                }
            }
        } catch (ClosedWatchServiceException e) {
            return Optional.of("interrupted");
        }
    }
}
