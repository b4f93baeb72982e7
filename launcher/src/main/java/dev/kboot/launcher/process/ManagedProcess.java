package dev.kboot.launcher.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running child (QEMU, virtiofsd) owned by a run: started from an argv (never a shell
 * string) with stdout and stderr appended to one log file, and stopped in a bounded way.
 *
 * <p>{@link #close()} is idempotent and bounded: SIGTERM, wait up to the grace period, then
 * SIGKILL to the process and every descendant, then reap. The pid and start time are recorded in
 * the run directory, so that a later kboot (or the out-of-process reaper) can stop it when this
 * JVM was killed (see {@link RunDirectory}).
 */
public final class ManagedProcess implements AutoCloseable {
    private final String name;
    private final List<String> argv;
    private final Path log;
    private final Process process;
    private final Duration grace;
    private volatile boolean closed;

    private ManagedProcess(String name, List<String> argv, Path log, Process process, Duration grace) {
        this.name = name;
        this.argv = argv;
        this.log = log;
        this.process = process;
        this.grace = grace;
    }

    /**
     * Starts {@code argv} with stdin from /dev/null and stdout+stderr appended to {@code log}.
     *
     * @param name  a short name for messages and the run directory's records, e.g. "qemu"
     * @param argv  the command line, argv[0] an executable path
     * @param log   the log file (created)
     * @param run   the run directory that records the child
     * @param grace how long SIGTERM gets before SIGKILL
     * @throws IOException when the executable cannot be started
     * @throws dev.kboot.launcher.KbootException exit 125 when the child cannot be recorded in the run
     *                     directory (a full disk, a run already ended): it is stopped before this returns
     */
    public static ManagedProcess start(String name, List<String> argv, Path log, RunDirectory run, Duration grace) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        Process p = pb.start();
        ManagedProcess mp = new ManagedProcess(name, List.copyOf(argv), log, p, grace);
        try {
            run.recordChild(name, p.toHandle());
        } catch (IOException | RuntimeException e) {
            // Unrecorded, nothing could stop it if this JVM died: it does not run at all.
            mp.close();
            throw dev.kboot.launcher.KbootException.internal("cannot record " + name + " (pid " + p.pid() + ") in " + run.path() + ": " + e.getMessage(), e);
        }
        return mp;
    }

    /** @return the short name given at start */
    public String name() {
        return name;
    }

    /** @return the argv it was started with */
    public List<String> argv() {
        return argv;
    }

    /** @return the pid */
    public long pid() {
        return process.pid();
    }

    /** @return whether it is still running */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** @return the underlying process (for waiting on its exit) */
    public Process process() {
        return process;
    }

    /**
     * @return how the process ended, e.g. "exited with status 1", "killed by signal 9
     *         (SIGKILL)", or "still running"
     */
    public String describeExit() {
        if (process.isAlive()) {
            return "still running";
        }
        int s = process.exitValue();
        if (s > 128 && s < 128 + 65) {
            return "killed by signal " + (s - 128) + signalName(s - 128);
        }
        return "exited with status " + s;
    }

    private static String signalName(int sig) {
        return switch (sig) {
            case 6 -> " (SIGABRT)";
            case 9 -> " (SIGKILL)";
            case 11 -> " (SIGSEGV)";
            case 15 -> " (SIGTERM)";
            default -> "";
        };
    }

    /** @return the log file */
    public Path log() {
        return log;
    }

    /**
     * @param lines how many lines
     * @return the last {@code lines} lines of the log (at most 64 KiB read), joined with '\n'
     */
    public String logTail(int lines) {
        return tail(log, lines);
    }

    /** Reads the last {@code lines} lines of a text file (at most its last 64 KiB); "" when unreadable. */
    public static String tail(Path file, int lines) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - 65536);
            byte[] b = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(b);
            String[] all = new String(b, StandardCharsets.UTF_8).split("\n");
            List<String> out = new ArrayList<>();
            for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
                out.add(all[i]);
            }
            return String.join("\n", out);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Waits for the process to exit.
     *
     * @param timeout how long at most
     * @return whether it exited
     */
    public boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the process: SIGTERM, up to the grace period, then SIGKILL to it and its
     * descendants, then waits for it. A process that has already exited has no descendants left
     * to find (its children were re-parented when it exited), so it costs no scan of /proc
     * (a guest's daemons have usually exited with QEMU by the time the guest is closed).
     * Idempotent; never throws.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> descendants = process.descendants().toList();
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle d : descendants) {
            if (d.isAlive()) {
                d.destroyForcibly();
            }
        }
    }
}
