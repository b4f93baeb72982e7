package dev.kboot.harness.model;

import dev.kboot.launcher.console.CrashWatch;

/**
 * A kernel crash or warning seen on the console, as attached to a test or to the run.
 *
 * @param signature the {@link dev.kboot.launcher.console.CrashSignature} name ({@code PANIC}, {@code WARNING}, ...)
 * @param fatal     whether the kernel is no longer trustworthy after it (everything but WARNING and UBSAN)
 * @param line      the console line that showed it
 * @param elapsedMs when the line arrived, ms since the run started (for imported logs: the line number)
 * @param excerpt   the report as console lines joined with newlines, capped like a test's excerpt
 */
public record Incident(String signature, boolean fatal, String line, long elapsedMs, String excerpt) {
    /** Normalises nulls and caps the excerpt at {@link TestResult#EXCERPT_CAP} bytes. */
    public Incident {
        signature = signature == null ? "UNKNOWN" : signature;
        line = line == null ? "" : line;
        excerpt = TestResult.cap(excerpt == null ? "" : excerpt);
    }

    /**
     * @param i an incident from the launcher's {@link CrashWatch}
     * @return the same incident as a result record
     */
    public static Incident of(CrashWatch.Incident i) {
        return new Incident(i.signature().name(), i.signature().fatal(), i.line().text(), i.line().elapsedMs(), i.text());
    }

    /**
     * @return one line for summaries: the console line that showed it without its timestamp, after the
     *         signature name unless the line starts with it ({@code PANIC: Kernel panic - not syncing: ...},
     *         {@code WARNING: CPU: 1 PID: 459 at ...})
     */
    public String headline() {
        String l = line.replaceFirst("^<\\d>", "").replaceFirst("^\\[\\s*\\d+\\.\\d+\\](\\[\\s*[CT]\\d+\\])?", "").strip();
        return l.startsWith(signature + ":") ? l : signature + ": " + l;
    }
}
