package dev.kboot.harness.report;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When {@link RunRecorder} rewrites the results: every result at once up to
 * {@link RunRecorder#IMMEDIATE_TESTS}, beyond that batched within a window, written by a timer with
 * no further call, by {@link RunRecorder#flush} and by {@link RunRecorder#finish}; a delayed write
 * that fails is thrown by the next call. The windows are an hour (nothing is written by the timer
 * during the test, whatever the host's load) or 100 ms with a generous deadline for the timer.
 */
class RunRecorderTest {
    @TempDir
    Path dir;

    private static final Duration HOUR = Duration.ofHours(1);

    private static RunInfo info() {
        return RunInfo.started("0.1.0", Instant.parse("2026-12-02T08:00:00Z")).withKernel("6.1.0-57-amd64", "console=ttyS0");
    }

    private static TestResult pass(int i) {
        return TestResult.of(TestId.of("command", String.format("t%03d", i)), Status.PASS, "ok", "").withDuration(5L);
    }

    private static List<TestId> ids(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> pass(i).id()).toList();
    }

    private static long passed(Path results) {
        return ResultsJson.read(results).tests().stream().filter(t -> t.status() == Status.PASS).count();
    }

    @Test
    void eachResultIsWrittenAtOnceUpToTheLimit() {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        RunRecorder rec = new RunRecorder(rd, info(), List.of("command"), null, null, HOUR);
        rec.expect("command", ids(RunRecorder.IMMEDIATE_TESTS));
        for (int i = 1; i <= RunRecorder.IMMEDIATE_TESTS; i++) {
            rec.record(pass(i));
            assertEquals(i, passed(rd.dir()), "written at once: " + i);
        }
    }

    @Test
    void beyondTheLimitResultsWaitForTheWindowAFlushOrTheEnd() throws IOException {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        RunRecorder rec = new RunRecorder(rd, info(), List.of("command"), null, null, HOUR);
        int n = RunRecorder.IMMEDIATE_TESTS + 40;
        for (int i = 1; i <= RunRecorder.IMMEDIATE_TESTS + 10; i++) {
            rec.record(pass(i));
        }
        RunResult lagging = ResultsJson.read(rd.dir());
        assertFalse(lagging.finished());
        assertEquals(RunRecorder.IMMEDIATE_TESTS, lagging.tests().size(), "the results after the limit wait (a window of an hour)");
        rec.flush();
        assertEquals(RunRecorder.IMMEDIATE_TESTS + 10, passed(rd.dir()), "a flush writes what waits");
        rec.record(pass(RunRecorder.IMMEDIATE_TESTS + 11));
        rec.incomplete("a reason");
        assertEquals(RunRecorder.IMMEDIATE_TESTS + 11, passed(rd.dir()), "a change to the run's facts writes at once, with what waits");
        for (int i = RunRecorder.IMMEDIATE_TESTS + 12; i <= n; i++) {
            rec.record(pass(i));
        }
        assertEquals(RunRecorder.IMMEDIATE_TESTS + 11, passed(rd.dir()));
        RunResult done = rec.finish(Instant.parse("2026-12-02T08:01:00Z"));
        assertEquals(done, ResultsJson.read(rd.dir()), "finish writes everything");
        assertEquals(n, passed(rd.dir()));
        try (Stream<Path> s = Files.list(rd.dir())) {
            assertEquals(List.of("junit.xml", "results.html", "results.json", "summary.txt"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp files left behind");
        }
    }

    @Test
    void expectedTestsCountTowardsTheLimit() {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        RunRecorder rec = new RunRecorder(rd, info(), List.of("command"), null, null, HOUR);
        int n = RunRecorder.IMMEDIATE_TESTS + 1;
        rec.expect("command", ids(n));
        assertEquals(n, ResultsJson.read(rd.dir()).tests().size(), "the expected tests are written at once, MISS");
        rec.record(pass(1));
        assertEquals(0, passed(rd.dir()), "a rewrite of more than the limit's results waits");
        rec.flush();
        assertEquals(1, passed(rd.dir()));
    }

    @Test
    void theTimerWritesWhatWaitsWithoutAnotherCall() {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        RunRecorder rec = new RunRecorder(rd, info(), List.of("command"), null, null, Duration.ofMillis(100));
        int n = RunRecorder.IMMEDIATE_TESTS + 20;
        for (int i = 1; i <= n; i++) {
            rec.record(pass(i));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> passed(rd.dir()) == n);
        assertFalse(ResultsJson.read(rd.dir()).finished());
    }

    @Test
    void aDelayedWriteThatFailsIsThrownByTheNextCall() throws IOException {
        Path results = dir.resolve("r");
        ResultsDirectory rd = new ResultsDirectory(results);
        RunRecorder rec = new RunRecorder(rd, info(), List.of("command"), null, null, Duration.ofMillis(100));
        for (int i = 1; i <= RunRecorder.IMMEDIATE_TESTS; i++) {
            rec.record(pass(i));
        }
        // The directory goes away under the run, and a file takes its place: no temp file can be made
        // there. The result recorded then waits for the timer, unless the host stalled past the
        // window since the last write (then it is written, and fails, at once: tried again).
        Path moved = dir.resolve("moved");
        int next = RunRecorder.IMMEDIATE_TESTS + 1;
        boolean waiting = false;
        for (int attempt = 0; attempt < 5 && !waiting; attempt++) {
            rec.problem("attempt " + attempt); // written at once: the window starts now
            Files.move(results, moved);
            Files.writeString(results, "not a directory");
            try {
                rec.record(pass(next++));
                waiting = true;
            } catch (UncheckedIOException e) {
                Files.delete(results);
                Files.move(moved, results);
            }
        }
        assertTrue(waiting, "a result recorded within the window waits");
        await().atMost(Duration.ofSeconds(60)).until(rec::delayedWriteFailed);
        Files.delete(results);
        Files.move(moved, results); // writable again: the failure is still reported, not lost
        int last = next;
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> rec.record(pass(last)));
        assertTrue(e.getMessage().contains("results.json"), e.getMessage());
        assertEquals(next - 2, passed(results), "the last good files are intact: without the result that waited");
        rec.finish(Instant.parse("2026-12-02T08:01:00Z"));
        assertEquals(last, passed(results), "the ending writes every result");
    }
}
