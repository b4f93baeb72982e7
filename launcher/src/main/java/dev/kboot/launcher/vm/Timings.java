package dev.kboot.launcher.vm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Phase timestamps of one run, in ms since the kboot process started (JVM start included, so the
 * figures are what a user waits).
 */
public final class Timings {
    private final long processStartMs;
    private final Map<String, Long> marks = new LinkedHashMap<>();

    /** Starts a clock at kboot's own start (see {@link #sinceProcessStartMs()}; 10 ms resolution). */
    public Timings() {
        this.processStartMs = System.currentTimeMillis() - sinceProcessStartMs();
    }

    /**
     * How long ago kboot itself started, whatever started it. The process's own start time
     * ({@code /proc/self/stat} field 22) is when it was forked, and a script that ends with
     * {@code exec kboot} (bin/kboot, scripts/demo.sh) keeps its process: that time is the script's
     * start, minutes earlier. The java launcher runs the JVM in a new thread right after
     * {@code exec}, so the earliest start among the process's other threads
     * ({@code /proc/self/task/TID/stat}) is kboot's start; the process's own is the fallback.
     *
     * @return ms since kboot started: /proc/uptime minus that start time (clock ticks of 1/100 s);
     *         0 when unknown
     */
    static long sinceProcessStartMs() {
        try {
            long pid = ProcessHandle.current().pid();
            long start = startTicks(java.nio.file.Paths.get("/proc/self/stat"));
            long earliestThread = Long.MAX_VALUE;
            try (java.nio.file.DirectoryStream<java.nio.file.Path> tasks = java.nio.file.Files.newDirectoryStream(java.nio.file.Paths.get("/proc/self/task"))) {
                for (java.nio.file.Path t : tasks) {
                    if (!t.getFileName().toString().equals(Long.toString(pid))) {
                        try {
                            earliestThread = Math.min(earliestThread, startTicks(t.resolve("stat")));
                        } catch (java.io.IOException | RuntimeException e) {
                            // the thread ended meanwhile
                        }
                    }
                }
            }
            if (earliestThread != Long.MAX_VALUE) {
                start = Math.max(start, earliestThread);
            }
            String up = java.nio.file.Files.readString(java.nio.file.Paths.get("/proc/uptime")).split(" ")[0];
            long uptimeMs = Math.round(Double.parseDouble(up) * 1000);
            return Math.max(0, uptimeMs - start * 10);
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    /** @return field 22 (starttime, clock ticks since boot) of a /proc stat file */
    private static long startTicks(java.nio.file.Path stat) throws java.io.IOException {
        String s = java.nio.file.Files.readString(stat);
        return Long.parseLong(s.substring(s.lastIndexOf(')') + 2).split(" ")[19]);
    }

    /** @return ms since the process started */
    public long now() {
        return Math.max(0, System.currentTimeMillis() - processStartMs);
    }

    /** Records a phase the first time it happens. */
    public synchronized void mark(String phase) {
        marks.putIfAbsent(phase, now());
    }

    /** @return the phases recorded so far, with their time in ms */
    public synchronized Map<String, Long> marks() {
        return new LinkedHashMap<>(marks);
    }

    /**
     * @return CPU time this JVM used so far (user + system, ms; its children not included), or -1
     */
    public static long ownCpuMs() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
    }

    /** @return one line per recorded phase, e.g. {@code "timing: virtiofsd ready       412 ms"} */
    public synchronized List<String> lines() {
        List<String> out = new ArrayList<>();
        for (var e : marks.entrySet()) {
            out.add(String.format("timing: %-20s %6d ms", e.getKey(), e.getValue()));
        }
        out.add(String.format("timing: %-20s %6d ms", "kboot's own CPU", ownCpuMs()));
        return out;
    }
}
