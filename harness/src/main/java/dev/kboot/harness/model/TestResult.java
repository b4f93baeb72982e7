package dev.kboot.harness.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The judged outcome of one test. Immutable; build with the static factories and the
 * {@code with...} copies (JUnit 5 {@code TestExecutionResult} style).
 *
 * @param id         the hierarchical id ({@code kselftest/timers/nanosleep})
 * @param status     kboot's verdict on the test
 * @param rawStatus  what the suite itself said, verbatim ({@code not ok 3 selftests: timers: raw_skew # exit=1},
 *                   {@code fail}, {@code CONF 32}); empty when the suite said nothing (MISS)
 * @param reason     one line on why (the skip reason, the failure message, what cut the test short); may be empty
 * @param durationMs how long the test ran, in ms, or null when unknown
 * @param excerpt    the test's log, at most {@value #EXCERPT_CAP} bytes of UTF-8: longer logs keep their head and
 *                   tail around a {@code [... kboot: N bytes cut ...]} marker
 * @param artifacts  files kept for it, as paths relative to the results directory
 * @param incidents  kernel crashes and warnings seen on the console while it ran
 * @param unstable   whether it failed first and passed on a rerun ({@code --rerun-failures})
 */
public record TestResult(TestId id, Status status, String rawStatus, String reason, Long durationMs, String excerpt,
                         List<String> artifacts, List<Incident> incidents, boolean unstable) {
    /** The largest excerpt kept, in bytes of UTF-8 (16 KiB). */
    public static final int EXCERPT_CAP = 16 * 1024;
    private static final int HEAD = 4 * 1024;

    /** Normalises nulls to empty values, copies the lists and caps the excerpt. */
    public TestResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        rawStatus = rawStatus == null ? "" : rawStatus;
        reason = reason == null ? "" : reason.strip();
        excerpt = cap(excerpt == null ? "" : excerpt);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        incidents = incidents == null ? List.of() : List.copyOf(incidents);
        if (durationMs != null && durationMs < 0) {
            durationMs = null;
        }
    }

    /**
     * @param id        the test
     * @param status    the verdict
     * @param rawStatus what the suite said
     * @param reason    why, or null
     * @return a result with no duration, excerpt, artifacts or incidents
     */
    public static TestResult of(TestId id, Status status, String rawStatus, String reason) {
        return new TestResult(id, status, rawStatus, reason, null, null, null, null, false);
    }

    /** @return a PASS result */
    public static TestResult pass(TestId id, String rawStatus) {
        return of(id, Status.PASS, rawStatus, null);
    }

    /** @return a FAIL result with its reason */
    public static TestResult fail(TestId id, String rawStatus, String reason) {
        return of(id, Status.FAIL, rawStatus, reason);
    }

    /** @return a MISS result: the test never ran, for {@code reason} */
    public static TestResult miss(TestId id, String reason) {
        return of(id, Status.MISS, null, reason);
    }

    /** @return an ERROR result: the test (or its output) could not be judged, for {@code reason} */
    public static TestResult error(TestId id, String rawStatus, String reason) {
        return of(id, Status.ERROR, rawStatus, reason);
    }

    /** @return a copy with another status (the raw status is kept) */
    public TestResult withStatus(Status s) {
        return new TestResult(id, s, rawStatus, reason, durationMs, excerpt, artifacts, incidents, unstable);
    }

    /** @return a copy with another status and reason */
    public TestResult withStatus(Status s, String why) {
        return new TestResult(id, s, rawStatus, why, durationMs, excerpt, artifacts, incidents, unstable);
    }

    /** @return a copy with another reason */
    public TestResult withReason(String why) {
        return new TestResult(id, status, rawStatus, why, durationMs, excerpt, artifacts, incidents, unstable);
    }

    /** @return a copy with a duration in ms (null: unknown) */
    public TestResult withDuration(Long ms) {
        return new TestResult(id, status, rawStatus, reason, ms, excerpt, artifacts, incidents, unstable);
    }

    /** @return a copy with a log excerpt (capped at {@value #EXCERPT_CAP} bytes) */
    public TestResult withExcerpt(String log) {
        return new TestResult(id, status, rawStatus, reason, durationMs, log, artifacts, incidents, unstable);
    }

    /** @return a copy with these artifacts (paths relative to the results directory) */
    public TestResult withArtifacts(List<String> paths) {
        return new TestResult(id, status, rawStatus, reason, durationMs, excerpt, paths, incidents, unstable);
    }

    /** @return a copy with one more incident */
    public TestResult withIncident(Incident i) {
        List<Incident> all = new ArrayList<>(incidents);
        all.add(i);
        return new TestResult(id, status, rawStatus, reason, durationMs, excerpt, artifacts, all, unstable);
    }

    /** @return a copy marked unstable (it failed, then passed on a rerun) */
    public TestResult withUnstable(boolean flag) {
        return new TestResult(id, status, rawStatus, reason, durationMs, excerpt, artifacts, incidents, flag);
    }

    /**
     * Caps a log at {@value #EXCERPT_CAP} bytes of UTF-8, keeping the first 4 KiB and the rest from the
     * end around a marker line that says how many bytes were cut. Never splits a character.
     *
     * @param log any text
     * @return the text itself if it fits, else the capped text
     */
    public static String cap(String log) {
        byte[] b = log.getBytes(StandardCharsets.UTF_8);
        if (b.length <= EXCERPT_CAP) {
            return log;
        }
        String marker = "\n[... kboot: " + (b.length - EXCERPT_CAP + 64) + " bytes cut ...]\n";
        int markerLen = marker.getBytes(StandardCharsets.UTF_8).length;
        int head = boundary(b, HEAD);
        int tailStart = boundary(b, b.length - (EXCERPT_CAP - head - markerLen));
        marker = "\n[... kboot: " + (tailStart - head) + " bytes cut ...]\n";
        int again = marker.getBytes(StandardCharsets.UTF_8).length;
        if (again > markerLen) {
            tailStart = boundary(b, tailStart + (again - markerLen));
            marker = "\n[... kboot: " + (tailStart - head) + " bytes cut ...]\n";
        }
        return new String(b, 0, head, StandardCharsets.UTF_8) + marker
                + new String(b, tailStart, b.length - tailStart, StandardCharsets.UTF_8);
    }

    /** Moves {@code i} forward past UTF-8 continuation bytes so it starts a character. */
    private static int boundary(byte[] b, int i) {
        while (i < b.length && (b[i] & 0xC0) == 0x80) {
            i++;
        }
        return i;
    }
}
