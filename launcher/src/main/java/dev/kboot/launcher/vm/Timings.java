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

    /** Starts a clock at the process's start time (as the kernel records it, 10 ms resolution). */
    public Timings() {
        this.processStartMs = System.currentTimeMillis() - sinceProcessStartMs();
    }

    /**
     * @return ms since this process started: /proc/uptime minus /proc/self/stat's start time
     *         (field 22, in clock ticks of 1/100 s); 0 when unknown
     */
    static long sinceProcessStartMs() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Paths.get("/proc/self/stat"));
            long startTicks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
            String up = java.nio.file.Files.readString(java.nio.file.Paths.get("/proc/uptime")).split(" ")[0];
            long uptimeMs = Math.round(Double.parseDouble(up) * 1000);
            return Math.max(0, uptimeMs - startTicks * 10);
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
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
