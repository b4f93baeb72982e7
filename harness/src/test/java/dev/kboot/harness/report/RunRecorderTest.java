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

    /** @return the PASS tests a reader sees: results.json with the journal folded in */
    private static long passed(Path results) {
        return ResultsJson.read(results).tests().stream().filter(t -> t.status() == Status.PASS).count();
    }

    /** @return results.json alone, as last rewritten (no journal) */
    private static RunResult written(Path results) {
        try {
            return ResultsJson.parse(Files.readString(results.resolve(ResultsDirectory.RESULTS_JSON)), results);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @return the PASS tests results.json alone holds */
    private static long written(Path results, Status status) {
        return written(results).tests().stream().filter(t -> t.status() == status).count();
    }

    @Test
    void eachResultIsWrittenAtOnceUpToTheLimit() {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        RunRecorder rec = new RunRecorder(rd, info(), List.of("command"), null, null, HOUR);
        rec.expect("command", ids(RunRecorder.IMMEDIATE_TESTS));
        for (int i = 1; i <= RunRecorder.IMMEDIATE_TESTS; i++) {
            rec.record(pass(i));
            assertEquals(i, written(rd.dir(), Status.PASS), "written at once: " + i);
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
        RunResult lagging = written(rd.dir());
        assertFalse(lagging.finished());
        assertEquals(RunRecorder.IMMEDIATE_TESTS, lagging.tests().size(), "the results after the limit wait (a window of an hour)");
        rec.flush();
        assertEquals(RunRecorder.IMMEDIATE_TESTS + 10, written(rd.dir(), Status.PASS), "a flush writes what waits");
        rec.record(pass(RunRecorder.IMMEDIATE_TESTS + 11));
        rec.incomplete("a reason");
        assertEquals(RunRecorder.IMMEDIATE_TESTS + 11, written(rd.dir(), Status.PASS), "a change to the run's facts writes at once, with what waits");
        for (int i = RunRecorder.IMMEDIATE_TESTS + 12; i <= n; i++) {
            rec.record(pass(i));
        }
        assertEquals(RunRecorder.IMMEDIATE_TESTS + 11, written(rd.dir(), Status.PASS));
        RunResult done = rec.finish(Instant.parse("2026-12-02T08:01:00Z"));
        assertEquals(done, ResultsJson.read(rd.dir()), "finish writes everything");
        assertEquals(n, passed(rd.dir()));
        try (Stream<Path> s = Files.list(rd.dir())) {
            assertEquals(List.of("junit.xml", "results.html", "results.json", "summary.txt"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp files left behind, and no journal: results.json holds every result");
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
        assertEquals(0, written(rd.dir(), Status.PASS), "a rewrite of more than the limit's results waits");
        assertEquals(1, passed(rd.dir()), "the journal has it");
        rec.flush();
        assertEquals(1, written(rd.dir(), Status.PASS));
    }

    @Test
    void theTimerWritesWhatWaitsWithoutAnotherCall() {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        RunRecorder rec = new RunRecorder(rd, info(), List.of("command"), null, null, Duration.ofMillis(100));
        int n = RunRecorder.IMMEDIATE_TESTS + 20;
        for (int i = 1; i <= n; i++) {
            rec.record(pass(i));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> written(rd.dir(), Status.PASS) == n);
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
        assertEquals(next - 2, written(results, Status.PASS), "the last good files are intact: without the result that waited");
        assertEquals(last, passed(results), "the journal has every result recorded, the one that waited and the last included");
        rec.finish(Instant.parse("2026-12-02T08:01:00Z"));
        assertEquals(last, passed(results), "the ending writes every result");
    }

    /** A run killed (no flush, no finish) with results waiting for the window. */
    private RunRecorder killedWithWaitingResults(ResultsDirectory rd, int n) {
        RunRecorder rec = new RunRecorder(rd, info(), List.of("command"), null, null, HOUR);
        for (int i = 1; i <= n; i++) {
            rec.record(pass(i));
        }
        return rec; // and never called again, as after a SIGKILL
    }

    @Test
    void aKilledRunLosesNoResultTheJournalHoldsWhatResultsJsonLacks() {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        int n = RunRecorder.IMMEDIATE_TESTS + 50;
        killedWithWaitingResults(rd, n);
        assertEquals(RunRecorder.IMMEDIATE_TESTS, written(rd.dir()).tests().size(), "results.json waits for the window");
        RunResult read = ResultsJson.read(rd.dir());
        assertFalse(read.finished());
        assertEquals(IntStream.rangeClosed(1, n).mapToObj(RunRecorderTest::pass).toList(), read.tests(),
                "every result recorded, in order, as recorded");
        assertEquals(read, ResultsJson.read(rd.dir().resolve(ResultsDirectory.RESULTS_JSON)), "the same by the file's path");
    }

    @Test
    void aLineTornByTheKillIsIgnored() throws IOException {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        int n = RunRecorder.IMMEDIATE_TESTS + 5;
        killedWithWaitingResults(rd, n);
        Path journal = rd.dir().resolve(ResultsDirectory.RESULTS_JOURNAL);
        String lines = Files.readString(journal);
        String last = lines.substring(lines.lastIndexOf('\n', lines.length() - 2) + 1);
        Files.writeString(journal, last.substring(0, last.length() / 2), java.nio.file.StandardOpenOption.APPEND); // killed mid-write
        assertEquals(n, passed(rd.dir()));
        Files.writeString(journal, lines + last.substring(0, last.length() - 1)); // all but the line end: not committed
        assertEquals(n, passed(rd.dir()));
    }

    @Test
    void aMalformedLineIsAnErrorNamingTheFileTheLineAndWhatWasExpected() throws IOException {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        killedWithWaitingResults(rd, RunRecorder.IMMEDIATE_TESTS + 5);
        Path journal = rd.dir().resolve(ResultsDirectory.RESULTS_JOURNAL);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(journal));
        for (var bad : List.of(
                java.util.Map.entry("{\"seq\": 3, \"test\": {\"id\": \"command/t003\", \"status\": \"done\"}}", ":3: key 'test.status': expected one of pass"),
                java.util.Map.entry("{\"seq\": 1, \"test\": {\"id\": \"command/t003\", \"status\": \"pass\"}}", ":3: key 'seq': expected a whole number greater than 2"),
                java.util.Map.entry("{\"seq\": 3}", ":3: expected one of 'test' (a result) or 'drop' (a test id)"),
                java.util.Map.entry("{\"seq\": 3, \"test\": {\"id\"", ":3: expected a JSON object {seq, test} or {seq, drop}, found a syntax error"))) {
            List<String> edited = new java.util.ArrayList<>(lines);
            edited.set(2, bad.getKey());
            Files.write(journal, edited);
            dev.kboot.launcher.KbootException e = assertThrows(dev.kboot.launcher.KbootException.class, () -> ResultsJson.read(rd.dir()));
            assertEquals(dev.kboot.launcher.ExitCode.DATA, e.exitCode());
            assertTrue(e.getMessage().startsWith(journal + bad.getValue()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void aFinishedRunHasNoJournalAndALeftoverOneIsIgnored() throws IOException {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        RunRecorder rec = killedWithWaitingResults(rd, RunRecorder.IMMEDIATE_TESTS + 5);
        Path journal = rd.dir().resolve(ResultsDirectory.RESULTS_JOURNAL);
        String lines = Files.readString(journal);
        RunResult done = rec.finish(Instant.parse("2026-12-02T08:01:00Z"));
        assertFalse(Files.exists(journal), "finish deletes the journal");
        // Killed after the final write, before the delete: results.json says finished, the journal is not read.
        Files.writeString(journal, lines + "not JSON\n");
        assertEquals(done, ResultsJson.read(rd.dir()));
    }

    @Test
    void aNewRunInTheDirectoryStartsAnEmptyJournal() {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        killedWithWaitingResults(rd, RunRecorder.IMMEDIATE_TESTS + 5);
        new RunRecorder(rd, info(), List.of("command"), null, null, HOUR);
        assertEquals(List.of(), ResultsJson.read(rd.dir()).tests(), "the killed run's journal is not folded into the new run");
    }

    @Test
    void aReplacedSuiteIsJournaledPlaceholdersDroppedIncluded() {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("r"));
        RunRecorder rec = new RunRecorder(rd, info(), List.of("kselftest"), null, null, HOUR);
        for (int i = 1; i <= RunRecorder.IMMEDIATE_TESTS; i++) {
            rec.record(pass(i)); // at the limit: what follows waits for the window
        }
        TestResult placeholder = TestResult.miss(TestId.of("kselftest", "#2"), "not reached");
        TestResult first = TestResult.of(TestId.of("kselftest", "first"), Status.PASS, "ok", "");
        TestResult second = TestResult.of(TestId.of("kselftest", "second"), Status.FAIL, "not ok", "");
        rec.replaceSuite("kselftest", List.of(first, placeholder));
        rec.replaceSuite("kselftest", List.of(first, second));
        List<TestResult> read = ResultsJson.read(rd.dir()).tests();
        assertEquals(rec.current().tests(), read, "what the recorder holds, the placeholder dropped");
        assertEquals(List.of(first, second), read.subList(read.size() - 2, read.size()));
        assertEquals(RunRecorder.IMMEDIATE_TESTS, written(rd.dir()).tests().size(), "results.json waits for the window");
    }
}
