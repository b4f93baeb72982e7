package dev.kboot.harness.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** kselftest's runner output, captured from run_kselftest.sh of linux-source-6.1 on the dev machine. */
class KselftestParserTest {
    private static Map<String, TestResult> byId(List<TestResult> r) {
        return r.stream().collect(Collectors.toMap(t -> t.id().toString(), Function.identity()));
    }

    @Test
    void timersRunPassesButForTheSkippedRtcTest() {
        List<TestResult> r = KselftestParser.parse(Captured.text("kselftest/timers.tap"));
        assertEquals(9, r.size());
        assertEquals(List.of("kselftest/timers/posix_timers", "kselftest/timers/nanosleep", "kselftest/timers/nsleep-lat",
                "kselftest/timers/set-timer-lat", "kselftest/timers/mqueue-lat", "kselftest/timers/inconsistency-check",
                "kselftest/timers/raw_skew", "kselftest/timers/threadtest", "kselftest/timers/rtcpie"),
                r.stream().map(t -> t.id().toString()).toList());
        assertEquals(8, r.stream().filter(t -> t.status() == Status.PASS).count());
        TestResult rtc = r.get(8);
        assertEquals(Status.SKIP, rtc.status());
        assertEquals("ok 9 selftests: timers: rtcpie # SKIP", rtc.rawStatus());
        assertEquals("Default RTC /dev/rtc0 does not exist. Test Skipped!", rtc.reason());
        assertTrue(r.get(1).excerpt().contains("# ok 12 CLOCK_TAI"), "the nested output is the excerpt");
        assertTrue(r.get(1).excerpt().startsWith("# selftests: timers: nanosleep"), r.get(1).excerpt());
    }

    @Test
    void threeCollectionsInOneStreamWithRealFailures() {
        List<TestResult> r = KselftestParser.parse(Captured.text("kselftest/multi.tap"));
        assertEquals(14, r.size());
        Map<String, TestResult> m = byId(r);
        TestResult suspend = m.get("kselftest/breakpoints/step_after_suspend_test");
        assertEquals(Status.FAIL, suspend.status());
        assertEquals("not ok 1 selftests: breakpoints: step_after_suspend_test # exit=1", suspend.rawStatus());
        assertEquals("exit status 1; Bail out! Failed to enter Suspend state", suspend.reason());
        assertEquals(Status.FAIL, m.get("kselftest/exec/execveat").status());
        assertTrue(m.get("kselftest/exec/execveat").reason().startsWith("exit status 1"));
        assertEquals(Status.PASS, m.get("kselftest/size/get_size").status());
        assertEquals(Status.PASS, m.get("kselftest/breakpoints/breakpoint_test").status());
        assertEquals(12, r.stream().filter(t -> t.status() == Status.PASS).count());
    }

    @Test
    void eachCapturedCollectionParsesToItsPlan() {
        assertEquals(1, KselftestParser.parse(Captured.text("kselftest/size.tap")).size());
        assertEquals(List.of(Status.PASS), KselftestParser.parse(Captured.text("kselftest/futex.tap")).stream().map(TestResult::status).toList());
        assertEquals(11, KselftestParser.parse(Captured.text("kselftest/exec.tap")).size());
        assertEquals(List.of(Status.FAIL, Status.PASS),
                KselftestParser.parse(Captured.text("kselftest/breakpoints.tap")).stream().map(TestResult::status).toList());
    }

    @Test
    void aTimeoutIsTimeoutNotFail() {
        TestResult raw = byId(KselftestParser.parse(Captured.text("kselftest/timers-timeout.tap"))).get("kselftest/timers/raw_skew");
        assertEquals(Status.TIMEOUT, raw.status());
        assertEquals("timed out after 45 seconds", raw.reason());
    }

    @Test
    void outputCutWhileATestRunsNamesItAndMissesTheRest() {
        List<TestResult> r = KselftestParser.parse(Captured.text("kselftest/timers-truncated.tap"));
        assertEquals(9, r.size(), "the plan said 9");
        assertEquals(6, r.stream().filter(t -> t.status() == Status.PASS).count());
        TestResult running = r.get(6);
        assertEquals("kselftest/timers/raw_skew", running.id().toString(), "the announced test keeps its name");
        assertEquals(Status.MISS, running.status());
        assertEquals("the output ended while it ran (plan said 9 tests, output ended after 6)", running.reason());
        assertEquals("kselftest/timers/#8", r.get(7).id().toString());
        assertEquals("never reached: the output ended before it (plan said 9 tests, output ended after 6)", r.get(7).reason());
    }

    @Test
    void aLineCutInHalfAndGarbageNeverThrow() {
        List<TestResult> cut = KselftestParser.parse(Captured.text("kselftest/exec-cut-mid-line.tap"));
        assertEquals(11, cut.size());
        assertTrue(cut.stream().allMatch(t -> t.status() == Status.MISS));
        assertEquals("kselftest/exec/execveat", cut.get(0).id().toString());
        assertEquals(Status.ERROR, KselftestParser.parse(Captured.text("kselftest/not-tap.txt")).get(0).status());
        assertEquals(Status.MISS, KselftestParser.parse(Captured.text("kselftest/empty.tap")).get(0).status());
        for (int n = 0; n < 400; n += 7) {
            String t = Captured.text("kselftest/multi.tap");
            KselftestParser.parse(t.substring(0, Math.min(t.length(), n * 31))); // any prefix parses
        }
    }

    @Test
    void kernelLinesBetweenTapLinesAreIgnored() {
        List<TestResult> r = KselftestParser.parse(Captured.text("kselftest/timers-with-warning.log"));
        assertEquals(KselftestParser.parse(Captured.text("kselftest/timers.tap")).stream().map(t -> t.status() + " " + t.id()).toList(),
                r.stream().map(t -> t.status() + " " + t.id()).toList());
    }
}
