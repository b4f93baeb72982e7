package dev.kboot.harness.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.KselftestParser;
import dev.kboot.harness.parse.KunitParser;
import dev.kboot.harness.parse.Lines;
import dev.kboot.harness.parse.Located;
import dev.kboot.launcher.console.ConsoleLine;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Crash and warning attribution on real console output (the launcher's CrashWatch finds the incidents). */
class CrashAttributionTest {
    private static CrashAttribution.Outcome attributeLog(String text, List<Located> located) {
        List<Incident> incidents = CrashAttribution.watchLines(Lines.split(text));
        return CrashAttribution.attribute(Located.results(located), CrashAttribution.windows(located), incidents);
    }

    @Test
    void aKunitPanicCrashesTheRunningCaseAndMissesTheRest() {
        String log = Captured.text("kunit/test_kernel_panic_interrupt.log");
        CrashAttribution.Outcome o = attributeLog(log, KunitParser.parseLocated(log));
        List<TestResult> r = o.tests();
        assertEquals(10, r.size());
        TestResult crashed = r.get(8);
        assertEquals("kunit/string-stream-test/#2", crashed.id().toString());
        assertEquals(Status.CRASH, crashed.status());
        assertEquals("kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)", crashed.reason(), "the reason is the crash's title");
        assertEquals("PANIC", crashed.incidents().get(0).signature());
        assertTrue(crashed.incidents().get(0).excerpt().contains("Kernel panic - not syncing"));
        assertEquals(Status.MISS, r.get(9).status());
        assertTrue(r.get(9).reason().startsWith("never reached: the kernel crashed during kunit/string-stream-test/#2 (kernel panic:"), r.get(9).reason());
        assertEquals(8, r.stream().filter(t -> t.status() == Status.PASS).count(), "tests done before the panic keep their results");
        assertTrue(o.incomplete().isEmpty(), "the crash was attributed to a test");
    }

    @Test
    void aPanicDuringAKselftestNamesIt() {
        String log = Captured.text("kselftest/timers-panic.log");
        List<TestResult> r = attributeLog(log, KselftestParser.parseLocated(log)).tests();
        assertEquals(Status.CRASH, r.get(6).status());
        assertEquals("kselftest/timers/raw_skew", r.get(6).id().toString());
        assertEquals(List.of(Status.MISS, Status.MISS), List.of(r.get(7).status(), r.get(8).status()));
        assertEquals(6, r.stream().filter(t -> t.status() == Status.PASS).count());
    }

    @Test
    void aWarningIsAttachedToThePassingTestItHappenedIn() {
        String log = Captured.text("kselftest/timers-with-warning.log");
        CrashAttribution.Outcome o = attributeLog(log, KselftestParser.parseLocated(log));
        TestResult nanosleep = o.tests().get(1);
        assertEquals("kselftest/timers/nanosleep", nanosleep.id().toString());
        assertEquals(Status.PASS, nanosleep.status());
        assertEquals(1, nanosleep.incidents().size());
        Incident w = nanosleep.incidents().get(0);
        assertEquals("WARNING", w.signature());
        assertTrue(w.line().contains("WARNING: CPU: 1 PID: 459 at fs/btrfs/inode.c:3119 check_data_csum"));
        assertTrue(w.excerpt().contains("---[ end trace 4f87c4a13fa476d4 ]---"), "the excerpt runs to the report's end");
        assertTrue(o.tests().stream().filter(t -> t != nanosleep).allMatch(t -> t.incidents().isEmpty()));
        assertTrue(o.incomplete().isEmpty());
    }

    /** The console as the launcher streams it: ConsoleLines with elapsed ms (here from the printk timestamps). */
    private static List<ConsoleLine> console(String text) {
        Pattern ts = Pattern.compile("^\\[\\s*(\\d+)\\.(\\d{6})\\]");
        List<ConsoleLine> out = new ArrayList<>();
        long i = 0;
        for (String l : Lines.split(text)) {
            Matcher m = ts.matcher(l);
            long ms = m.find() ? Long.parseLong(m.group(1)) * 1000 + Long.parseLong(m.group(2)) / 1000 : 0;
            out.add(new ConsoleLine(i++, "ttyS0", ms, l));
        }
        return out;
    }

    @Test
    void liveWindowsInMilliseconds() {
        List<Incident> incidents = CrashAttribution.watch(console(Captured.text("console/btrfs-warning-5.12.0-rc3.log")));
        assertEquals(1, incidents.size());
        assertEquals(84898L, incidents.get(0).elapsedMs());
        TestId a = TestId.of("command", "dd-buffered");
        TestId b = TestId.of("command", "dd-direct");
        List<TestResult> results = List.of(TestResult.pass(a, "exit=0"), TestResult.pass(b, "exit=0"));
        CrashAttribution.Outcome o = CrashAttribution.attribute(results,
                List.of(new TestWindow(a, 80_000, 84_500), new TestWindow(b, 84_600, 85_000)), incidents);
        assertTrue(o.tests().get(0).incidents().isEmpty());
        assertEquals(1, o.tests().get(1).incidents().size());
        assertEquals(Status.PASS, o.tests().get(1).status(), "a WARNING does not change the status");
        CrashAttribution.Outcome between = CrashAttribution.attribute(results,
                List.of(new TestWindow(a, 80_000, 84_500), new TestWindow(b, 85_000, 86_000)), incidents);
        assertEquals(1, between.unattributed().size(), "no test was running at 84.898 s");
    }

    @Test
    void aPanicBetweenTestsMakesTheRunIncomplete() {
        String panic = Captured.text("kunit/test_kernel_panic_interrupt.log");
        List<ConsoleLine> lines = new ArrayList<>();
        long t = 0;
        for (String l : Lines.split(panic)) {
            lines.add(new ConsoleLine(t, "ttyS0", t * 100, l));
            t++;
        }
        List<Incident> incidents = CrashAttribution.watch(lines);
        long at = incidents.get(0).elapsedMs();
        TestId done = TestId.of("command", "done");
        TestId next = TestId.of("command", "next");
        CrashAttribution.Outcome o = CrashAttribution.attribute(List.of(TestResult.pass(done, "exit=0"), TestResult.miss(next, "not run")),
                List.of(new TestWindow(done, 0, at - 1), new TestWindow(next, at + 5000, Long.MAX_VALUE)), incidents);
        assertEquals(Status.PASS, o.tests().get(0).status());
        assertEquals(Status.MISS, o.tests().get(1).status());
        assertTrue(o.tests().get(1).reason().startsWith("never reached: the kernel crashed (kernel panic"), o.tests().get(1).reason());
        assertEquals(List.of("kernel crash while no test was running: kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)"),
                o.incomplete());
    }

    @Test
    void kernelLogMarkersGiveWindows() {
        // the marker line as fstests writes it to /dev/kmsg, quoted in a linux-xfs thread (captured/README.md, fstests)
        List<String> dmesg = List.of("[ 6046.844058] run fstests generic/269 at 2023-10-04 15:26:57",
                "[ 6047.876110] XFS (pmem1): xlog_verify_grant_tail: space > BBTOB(tail_blocks)",
                "[ 6050.000000] run fstests generic/270 at 2023-10-04 15:27:20");
        TestId g269 = TestId.of("fstests", "global", "generic/269");
        TestId g270 = TestId.of("fstests", "global", "generic/270");
        List<TestWindow> w = CrashAttribution.markerWindows(dmesg, List.of(g269, g270));
        assertEquals(List.of(new TestWindow(g269, 0, 1), TestWindow.open(g270, 2)), w);
    }
}
