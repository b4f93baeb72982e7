package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress line's text, ETA and drawing, with an injected clock (no timer thread). */
class ProgressLineTest {
    final AtomicLong now = new AtomicLong(1_000_000);
    final StringWriter written = new StringWriter();
    static final TestId A = TestId.of("kselftest", "timers", "nanosleep");
    static final TestId B = TestId.of("kselftest", "timers", "raw_skew");
    static final TestId C = TestId.of("kselftest", "timers", "posix_timers");

    ProgressLine line(boolean live) {
        return new ProgressLine(new PrintWriter(written, true), live, false, 100, true, now::get, false);
    }

    @Test
    void countsTheRunningTestAndTheTimeLeft() {
        ProgressLine p = line(true);
        p.planned("kselftest:sample", List.of(A, B, C), Map.of(A, 10_000L, B, 20_000L));
        p.started(A);
        now.addAndGet(4_000);
        assertEquals("[0/3 tests] starting  kselftest/timers/nanosleep 0:04", p.text(now.get()),
                "no ETA while C has no expected duration and nothing finished");
        p.finished(TestResult.pass(A, "ok 1").withDuration(6_000L));
        p.started(B);
        now.addAndGet(5_000);
        // B: 20 s expected, 5 s run; C: the mean so far (6 s)
        assertEquals("[1/3 test] 1 pass  kselftest/timers/raw_skew 0:05  ETA 0:21", p.text(now.get()));
        p.finished(TestResult.fail(B, "not ok 2", "exit status 1").withDuration(5_000L));
        assertEquals("[2/3 tests] 1 pass 1 fail  ETA 0:05", p.text(now.get()));
        p.close();
    }

    @Test
    void redrawsOneLineOnATerminalAndPrintsFailuresAboveIt() {
        ProgressLine p = line(true);
        p.planned("command", List.of(A, B), Map.of());
        p.started(A);
        p.finished(TestResult.pass(A, "").withDuration(100L));
        p.started(B);
        p.finished(TestResult.fail(B, "", "wanted 42").withDuration(200L));
        p.println("kboot: a notice");
        p.close();
        String out = written.toString();
        assertTrue(out.startsWith("\r[0/2 tests] starting\u001b[K"), out);
        assertTrue(out.contains("\r\u001b[KFAIL     kselftest/timers/raw_skew (0.2 s): wanted 42\n"), "a failure stays on its own line: " + out);
        assertTrue(out.contains("\r\u001b[Kkboot: a notice\n"), out);
        assertFalse(out.contains("PASS     kselftest/timers/nanosleep"), "a pass is only counted: " + out);
        assertTrue(out.endsWith("\r\u001b[K"), "closing erases the line: " + out);
        assertEquals(3, out.split("\n").length, "two permanent lines and the erased progress line: " + out);
    }

    @Test
    void withoutATerminalItIsOneLinePerTest() {
        ProgressLine p = line(false);
        p.planned("command", List.of(A, B), Map.of());
        p.started(A);
        p.finished(TestResult.pass(A, "").withDuration(100L));
        p.finished(TestResult.of(B, Status.TIMEOUT, "", "killed after 5 s").withDuration(5_000L));
        p.close();
        assertEquals("PASS     kselftest/timers/nanosleep (0.1 s)\nTIMEOUT  kselftest/timers/raw_skew (5.0 s): killed after 5 s\n",
                written.toString().replace("\r\n", "\n"));
    }

    @Test
    void aBatchSuiteHasNoTotal() {
        ProgressLine p = line(true);
        p.planned("fstests", List.of(), Map.of());
        p.started(TestId.of("fstests", "(run)"));
        now.addAndGet(3_723_000);
        assertEquals("[0 tests] starting  fstests/(run) 1:02:03", p.text(now.get()));
        p.close();
    }

    @Test
    void anImportShowsItsStagesThenItsTestsWithoutAnEta() {
        ProgressLine p = line(true).withoutEta();
        p.step("reading console.log (1/2, 45.2 MiB)");
        now.addAndGet(3_000);
        assertEquals("[0 tests] starting  reading console.log (1/2, 45.2 MiB) 0:03", p.text(now.get()));
        p.planned("kselftest", List.of(A, B), Map.of());
        p.step("judging 2 results (crashes, expunges)");
        assertEquals("[0/2 tests] starting  judging 2 results (crashes, expunges) 0:00", p.text(now.get()));
        p.finished(TestResult.pass(A, "ok 1").withDuration(60_000L));
        assertEquals("[1/2 test] 1 pass  judging 2 results (crashes, expunges) 0:00", p.text(now.get()),
                "the tests' own durations (they ran elsewhere) make no ETA");
        p.started(B);
        assertEquals("[1/2 test] 1 pass  kselftest/timers/raw_skew 0:00", p.text(now.get()), "a test replaces the stage");
        p.close();
    }
}
