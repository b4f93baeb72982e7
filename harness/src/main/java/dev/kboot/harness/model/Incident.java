package dev.kboot.harness.model;

import dev.kboot.harness.crash.CrashReport;
import dev.kboot.launcher.console.CrashSignature;
import dev.kboot.launcher.console.CrashWatch;
import java.util.List;

/**
 * A kernel crash or warning seen on the console, as attached to a test or to the run.
 *
 * @param signature the kind of report: a {@link CrashSignature} name ({@code PANIC}, {@code KASAN}, {@code WARNING}, ...)
 * @param fatal     whether the kernel is no longer trustworthy after it ({@link CrashSignature#fatal()})
 * @param line      the console line that showed it
 * @param elapsedMs when the line arrived, ms since the run started (for imported logs: the line number)
 * @param excerpt   the report as console lines joined with newlines, capped like a test's excerpt
 * @param title     its stable title in the style of syzkaller's ({@code KASAN: use-after-free Read in aead_recvmsg},
 *                  {@code WARNING in kvm_arch_vcpu_ioctl_run}; see {@link CrashReport}): the same bug on two runs has the same title
 * @param expected  whether the test it happened in provokes it on purpose (lkdtm, the KASAN and KFENCE KUnit suites):
 *                  then it neither fails the test nor crashes the run
 */
public record Incident(String signature, boolean fatal, String line, long elapsedMs, String excerpt, String title, boolean expected) {
    /** Normalises nulls, caps the excerpt at {@link TestResult#EXCERPT_CAP} bytes, and titles an untitled incident from its excerpt. */
    public Incident {
        signature = signature == null ? "UNKNOWN" : signature;
        line = line == null ? "" : line;
        excerpt = TestResult.cap(excerpt == null ? "" : excerpt);
        if (title == null || title.isBlank()) {
            title = titleOf(signature, line, excerpt);
        }
    }

    /** An incident not known to be expected, titled from its excerpt. */
    public Incident(String signature, boolean fatal, String line, long elapsedMs, String excerpt) {
        this(signature, fatal, line, elapsedMs, excerpt, null, false);
    }

    /**
     * @param i an incident from the launcher's {@link CrashWatch}
     * @return the same incident as a result record; a panic that ends another report (an Oops with
     *         {@code panic_on_oops}, a WARNING with {@code panic_on_warn}) takes that report's title
     */
    public static Incident of(CrashWatch.Incident i) {
        List<String> lines = i.lines();
        CrashSignature kind = i.signature();
        int header = i.header();
        if (kind == CrashSignature.PANIC) {
            for (int j = 0; j < header && j < lines.size(); j++) {
                var first = CrashSignature.match(lines.get(j));
                if (first.isPresent()) {
                    kind = first.get();
                    header = j;
                    break;
                }
            }
        }
        String title = CrashReport.title(kind, lines, header);
        return new Incident(i.signature().name(), i.signature().fatal(), i.line().text(), i.line().elapsedMs(), String.join("\n", lines), title, false);
    }

    /** @return a copy on another clock position (an imported log's line offset) */
    public Incident at(long ms) {
        return new Incident(signature, fatal, line, ms, excerpt, title, expected);
    }

    /** @return a copy marked as provoked on purpose by the test it happened in */
    public Incident asExpected() {
        return new Incident(signature, fatal, line, elapsedMs, excerpt, title, true);
    }

    /** @return one line for summaries and reasons: the title ({@code WARNING in check_data_csum}) */
    public String headline() {
        return title;
    }

    /** Titles an incident read back without a title (results.json written before titles existed). */
    private static String titleOf(String signature, String line, String excerpt) {
        CrashSignature kind;
        try {
            kind = CrashSignature.valueOf(signature);
        } catch (IllegalArgumentException e) {
            return signature + ": " + line.strip();
        }
        List<String> lines = excerpt.isEmpty() ? List.of(line) : List.of(excerpt.split("\n", -1));
        int header = Math.max(0, lines.indexOf(line));
        if (!lines.isEmpty() && !lines.get(header).equals(line)) {
            lines = List.of(line);
            header = 0;
        }
        return CrashReport.title(kind, lines, header);
    }
}
