package dev.kboot.launcher.process;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A run's private directory (mode 0700) under {@code $XDG_RUNTIME_DIR/kboot} or
 * {@code /tmp/kboot-<uid>}: its unix sockets, the daemons' logs, the console log, and the
 * records that make cleanup possible on every exit path.
 *
 * <p>Cleanup comes in layers (the Testcontainers habit): the run's own {@code close()}; the JVM
 * shutdown hook (Ctrl-C, SIGTERM); an out-of-process reaper ({@code sh}, started here) that
 * waits for this JVM's end on a pipe and kills what the records name, so that even a SIGKILLed
 * kboot leaves nothing running; and {@link #reapStale(Path)}, run by every kboot at start, for
 * what survives even that.
 *
 * <p>Records: {@code owner} (this JVM's pid and start time) and {@code children} (one line per
 * child: pid, start time in clock ticks as /proc/PID/stat field 22, name). A process is only
 * ever signalled when its pid AND start time still match, so a reused pid is never hit.
 */
public final class RunDirectory implements AutoCloseable {
    /**
     * The out-of-process reaper (sh). kboot writes it one line per child ("pid start-ticks name")
     * on its stdin as children start, and "done" when the run ended normally. EOF without
     * "done" means the JVM died (the kernel closes the pipe even on SIGKILL): it then stops every
     * child whose pid AND start time still match (SIGTERM, then SIGKILL after 1 s), removes
     * the run's sockets, records and transfer share, and marks the logs left as a failed run's
     * ({@code ended}). It keeps the list in memory, so it needs nothing from the disk. It then
     * also stops every process whose command line names a path in the run directory (QEMU's and
     * virtiofsd's sockets are there): a child the JVM started but had not yet recorded when it was
     * SIGKILLed (FaultMatrixIT caught a virtiofsd left so) is found that way. Orphans of this run
     * only: the directory's name is unique (pid and random suffix).
     */
    static final String REAPER_SCRIPT = String.join("\n",
            "run=$1",
            "kids=''",
            "while IFS= read -r line; do",
            "  [ \"$line\" = done ] && exit 0",
            "  kids=\"$kids",
            "$line\"",
            "done",
            "stop() { printf '%s\\n' \"$kids\" | while read -r pid start name; do",
            "  [ -n \"$pid\" ] || continue",
            "  s=$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -d' ' -f20)",
            "  [ \"$s\" = \"$start\" ] && kill -$1 $pid 2>/dev/null",
            "done; }",
            "sweep() { for f in $(grep -lsaF -- \"$run/\" /proc/[0-9]*/cmdline); do",
            "  p=${f#/proc/}; p=${p%/cmdline}; [ \"$p\" = \"$$\" ] || kill -$1 $p 2>/dev/null",
            "done; }",
            "stop TERM; sweep TERM; sleep 1; stop KILL; sweep KILL",
            "[ -d \"$1\" ] && find \"$1\" -type s -delete 2>/dev/null",
            "rm -rf \"$1/children\" \"$1/owner\" \"$1/xfer\"",
            "[ -d \"$1\" ] && date > \"$1/ended\"",
            "");

    private final Path dir;
    private final java.util.concurrent.CompletableFuture<Process> reaper;
    private volatile boolean closed;

    private RunDirectory(Path dir, java.util.concurrent.CompletableFuture<Process> reaper) {
        this.dir = dir;
        this.reaper = reaper;
    }

    /** @return the base directory all runs live under */
    public static Path base() {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank() && Files.isWritable(Paths.get(xdg))) {
            return Paths.get(xdg, "kboot");
        }
        return Paths.get(System.getProperty("java.io.tmpdir"), "kboot-" + uid());
    }

    /**
     * Creates a fresh run directory under {@code base} (0700), records this JVM as its owner and
     * starts the out-of-process reaper.
     *
     * @param base the base directory (see {@link #base()})
     * @throws IOException when it cannot be created
     */
    public static RunDirectory create(Path base) throws IOException {
        Files.createDirectories(base);
        setMode(base, "rwx------");
        // A short name: QEMU and virtiofsd take unix socket paths of at most 107 bytes.
        Path made = null;
        // Unique, not secret (the base is private to the user): SecureRandom would cost the boot 10-60 ms
        // of security-provider start-up.
        java.util.Random random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; made == null; i++) {
            try {
                made = Files.createDirectory(base.resolve("run-" + ProcessHandle.current().pid() + "-" + Integer.toString(random.nextInt(Integer.MAX_VALUE), 36)),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (i > 100) {
                    throw e;
                }
            }
        }
        Path dir = made;
        Files.writeString(dir.resolve("owner"), ProcessHandle.current().pid() + " " + startTicks(ProcessHandle.current().pid()).orElse("?") + "\n");
        Files.createFile(dir.resolve("children"));
        // Started off the critical path: until it runs, the shutdown hook and reapStale() cover.
        java.util.concurrent.CompletableFuture<Process> reaper = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new ProcessBuilder("/bin/sh", "-c", REAPER_SCRIPT, "kboot-reaper", dir.toString())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
            } catch (IOException e) {
                return null;
            }
        });
        return new RunDirectory(dir, reaper);
    }

    /** @return the directory */
    public Path path() {
        return dir;
    }

    /** @return a path for a file or socket in this run directory */
    public Path resolve(String name) {
        return dir.resolve(name);
    }

    /**
     * Records a child so that it can be stopped even if this JVM dies.
     *
     * @param name    a short name
     * @param process the child
     * @throws IOException when the record cannot be written (a full disk) or the run has ended:
     *                     the caller must then stop the child
     */
    public synchronized void recordChild(String name, ProcessHandle process) throws IOException {
        if (closed) {
            throw new IOException("the run has ended");
        }
        String line = process.pid() + " " + startTicks(process.pid()).orElse("?") + " " + name + "\n";
        // The reaper first: it keeps the list in memory, so it holds even when the disk is full.
        tellReaper(line);
        Files.writeString(dir.resolve("children"), line, StandardOpenOption.APPEND);
    }

    private void tellReaper(String line) {
        Process p = reaper.join();
        if (p == null) {
            return;
        }
        try {
            OutputStream o = p.getOutputStream();
            o.write(line.getBytes(StandardCharsets.US_ASCII));
            o.flush();
        } catch (IOException e) {
            // the reaper is gone; the shutdown hook and reapStale() remain
        }
    }

    /**
     * Ends the run: removes every socket and the records, and then either removes the whole
     * directory ({@code keepLogs} false) or leaves its logs with an {@code ended} marker. Stops
     * the reaper. The caller must have stopped its children first. Idempotent.
     *
     * @param keepLogs keep the log files (for a failed run)
     */
    public synchronized void finish(boolean keepLogs) {
        if (closed) {
            return;
        }
        closed = true;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                boolean log = p.getFileName().toString().endsWith(".log");
                if (!keepLogs || !log) {
                    deleteRecursively(p);
                }
            }
            if (keepLogs) {
                Files.writeString(dir.resolve("ended"), Instant.now() + "\n");
            } else {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            // best effort: the next kboot's reapStale() finishes the job
        }
        stopReaper();
    }

    @Override
    public void close() {
        finish(false);
    }

    private void stopReaper() {
        // Tell the reaper the run ended normally, so it exits without stopping anything.
        tellReaper("done\n");
        Process p = reaper.join();
        if (p != null) {
            try {
                p.getOutputStream().close();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    /** How many failed runs keep their logs (the most recent ones). */
    public static final int KEEP_FAILED = 5;
    /** How long a failed run's logs are kept at most. */
    public static final Duration KEEP_FAILED_FOR = Duration.ofDays(7);

    /**
     * Cleans up after runs whose owner died without cleaning up: stops their recorded children
     * (pid and start time must match), then, as the reaper script does, every process whose
     * command line ({@code /proc/PID/cmdline}) has an argument naming a path in such a run's
     * directory ({@code RUN/...}: QEMU's and virtiofsd's sockets and logs are there), a child
     * started but not yet recorded when its owner was SIGKILLed; and removes the directories. The
     * directory's name is unique (pid and random suffix), so only that run's orphans match; a
     * process is signalled through a handle taken before its command line was read, which a reused
     * pid does not match. /proc is read only when there is a stale run. Of the failed runs that kept
     * their logs ({@code ended}), only the {@value #KEEP_FAILED} most recent are kept, none
     * older than {@link #KEEP_FAILED_FOR}. Never throws.
     *
     * @param base the base directory
     * @return the directories removed
     */
    public static List<Path> reapStale(Path base) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(base)) {
            return removed;
        }
        List<Map.Entry<Path, Instant>> kept = new ArrayList<>();
        List<Map.Entry<ProcessHandle, List<String>>> processes = null; // read at the first stale run
        try (DirectoryStream<Path> runs = Files.newDirectoryStream(base, "run-*")) {
            for (Path run : runs) {
                try {
                    if (Files.exists(run.resolve("ended"))) {
                        kept.add(Map.entry(run, Files.getLastModifiedTime(run.resolve("ended")).toInstant()));
                        continue;
                    }
                    Optional<String[]> owner = readRecord(run.resolve("owner"));
                    if (owner.isPresent() && alive(owner.get()[0], owner.get()[1])) {
                        continue;
                    }
                    if (owner.isEmpty() && Files.getLastModifiedTime(run).toInstant().isAfter(Instant.now().minusSeconds(60))) {
                        continue; // being created right now
                    }
                    if (Files.exists(run.resolve("children"))) {
                        for (String l : Files.readAllLines(run.resolve("children"))) {
                            String[] f = l.trim().split("\\s+");
                            if (f.length >= 2 && alive(f[0], f[1])) {
                                ProcessHandle.of(Long.parseLong(f[0])).ifPresent(ProcessHandle::destroyForcibly);
                            }
                        }
                    }
                    if (processes == null) {
                        processes = commandLines();
                    }
                    sweep(run, processes);
                    deleteRecursively(run);
                    removed.add(run);
                } catch (IOException | RuntimeException e) {
                    // leave it for the next attempt
                }
            }
        } catch (IOException e) {
            // nothing to reap
        }
        kept.sort(Map.Entry.<Path, Instant>comparingByValue().reversed());
        Instant oldest = Instant.now().minus(KEEP_FAILED_FOR);
        for (int i = 0; i < kept.size(); i++) {
            if (i >= KEEP_FAILED || kept.get(i).getValue().isBefore(oldest)) {
                try {
                    deleteRecursively(kept.get(i).getKey());
                    removed.add(kept.get(i).getKey());
                } catch (IOException | RuntimeException e) {
                    // the next kboot tries again
                }
            }
        }
        return removed;
    }

    /**
     * @return every process but this one, each with its arguments (/proc/PID/cmdline split at NUL);
     *         the handle taken first, so that it names the process whose arguments these are or
     *         one that is gone (a handle checks the start time when it signals)
     */
    private static List<Map.Entry<ProcessHandle, List<String>>> commandLines() {
        List<Map.Entry<ProcessHandle, List<String>>> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Paths.get("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try {
                    long pid = Long.parseLong(proc.getFileName().toString());
                    Optional<ProcessHandle> h = pid == self ? Optional.empty() : ProcessHandle.of(pid);
                    if (h.isPresent()) {
                        byte[] cmdline = Files.readAllBytes(proc.resolve("cmdline"));
                        out.add(Map.entry(h.get(), List.of(new String(cmdline, StandardCharsets.UTF_8).split("\0"))));
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile, or not a process
                }
            }
        } catch (IOException e) {
            // no /proc: the recorded children are all there is to stop
        }
        return out;
    }

    /** Stops every process with an argument naming a path in the stale run directory {@code run}. */
    private static void sweep(Path run, List<Map.Entry<ProcessHandle, List<String>>> processes) {
        List<String> prefixes = List.of(run + "/", run.toAbsolutePath() + "/");
        for (Map.Entry<ProcessHandle, List<String>> p : processes) {
            if (p.getValue().stream().anyMatch(arg -> prefixes.stream().anyMatch(arg::contains))) {
                p.getKey().destroyForcibly();
            }
        }
    }

    private static Optional<String[]> readRecord(Path p) {
        try {
            String[] f = Files.readString(p).trim().split("\\s+");
            return f.length >= 2 ? Optional.of(f) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean alive(String pid, String start) {
        try {
            return startTicks(Long.parseLong(pid)).map(start::equals).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * @param pid a process id
     * @return its start time in clock ticks since boot (/proc/PID/stat field 22), or empty when
     *         there is no such process
     */
    public static Optional<String> startTicks(long pid) {
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(f[19]);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(q);
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }

    private static void setMode(Path p, String mode) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        } catch (IOException | UnsupportedOperationException e) {
            // not ours to change (shared XDG dir); the run directory itself is 0700
        }
    }

    private static String uid() {
        try {
            return Files.getAttribute(Paths.get("/proc/self"), "unix:uid").toString();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return System.getProperty("user.name", "user");
        }
    }
}
