package dev.kboot.harness.expunge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.KselftestParser;
import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Expunge files: parsing, matching, skip options per suite, XFAIL/XPASS/EXPUNGED, unused entries. */
class ExpungesTest {
    private static final Path FILE = Path.of("expunges.yaml");
    private static final String YAML = """
            expunges:
              - suite: kselftest
                tests: [exec/execveat]
                action: xfail
                reason: the path of the install directory is too long
                bug: https://bugs.example/1
              - suite: kselftest
                tests: ["breakpoints:breakpoint_test"]
                action: xfail
                reason: flaky under TCG
              - suite: kselftest
                tests: [size/get_size, timers/rtcpie]
                action: skip
                reason: no RTC in QEMU
              - suite: kselftest
                tests: ["exec/load_address.*"]
                profile: quick
                action: skip
                reason: slow
              - suite: kselftest
                tests: [timers/nosuch]
                kernel: '^6\\.1\\.'
                action: skip
                reason: typo
              - suite: fstests
                tests: [generic/475, "btrfs/0[0-3]?"]
                action: skip
                reason: hangs
            """;

    private static Map<String, TestResult> byId(List<TestResult> r) {
        return r.stream().collect(Collectors.toMap(t -> t.id().toString(), Function.identity()));
    }

    @Test
    void parsesTheFile() {
        Expunges e = Expunges.parse(YAML, FILE);
        assertEquals(6, e.entries().size());
        ExpungeEntry first = e.entries().get(0);
        assertEquals(Action.XFAIL, first.action());
        assertEquals("the path of the install directory is too long (https://bugs.example/1)", first.because());
        assertEquals(Expunges.parse(YAML.replace("expunges:\n", "").replace("\n  ", "\n").strip(), FILE).entries().size(), 6,
                "a bare list works too");
    }

    @Test
    void appliesToProfileAndKernel() {
        Expunges e = Expunges.parse(YAML, FILE);
        assertEquals(3, e.forRun("kselftest", null, "6.6.1").entries().size());
        assertEquals(4, e.forRun("kselftest", "quick", null).entries().size());
        assertEquals(5, e.forRun("kselftest", "quick", "6.1.0-56-amd64").entries().size());
    }

    @Test
    void xfailXpassAndExpungedOnARealRun() {
        List<TestResult> run = KselftestParser.parse(Captured.text("kselftest/multi.tap"));
        SuiteExpunges ex = Expunges.parse(YAML, FILE).forRun("kselftest", null, "6.1.0-56-amd64");
        Map<String, TestResult> r = byId(ex.apply(run));
        TestResult execveat = r.get("kselftest/exec/execveat");
        assertEquals(Status.XFAIL, execveat.status());
        assertEquals("expected failure: the path of the install directory is too long (https://bugs.example/1); exit status 1", execveat.reason());
        assertEquals("not ok 1 selftests: exec: execveat # exit=1", execveat.rawStatus(), "the suite's own word is kept");
        TestResult bp = r.get("kselftest/breakpoints/breakpoint_test");
        assertEquals(Status.XPASS, bp.status());
        assertTrue(bp.reason().startsWith("unexpected pass: expunges[1]"), bp.reason());
        TestResult size = r.get("kselftest/size/get_size");
        assertEquals(Status.EXPUNGED, size.status());
        assertEquals("expunged: no RTC in QEMU (it ran anyway: pass)", size.reason());
        TestResult rtc = r.get("kselftest/timers/rtcpie");
        assertEquals(Status.EXPUNGED, rtc.status(), "a plain id that did not run is reported EXPUNGED");
        assertEquals(Status.FAIL, r.get("kselftest/breakpoints/step_after_suspend_test").status(), "no entry, no change");
        assertEquals(List.of("expunges[4] (kselftest: timers/nosuch) matched no test of this run"),
                ex.unused(run, KselftestParser.parse(Captured.text("kselftest/timers.tap")).stream().map(TestResult::id).toList()));
    }

    @Test
    void unusedGlobsAreReportedEvenWithoutAKnownList() {
        SuiteExpunges ex = Expunges.parse("- {suite: kselftest, tests: ['net/*'], action: skip, reason: no net}", FILE).forRun("kselftest", null, null);
        assertEquals(List.of("expunges[0] (kselftest: net/*) matched no test of this run"),
                ex.unused(KselftestParser.parse(Captured.text("kselftest/multi.tap")), List.of()));
    }

    @Test
    void kselftestSkipPlanListsTheTestsToRunFromItsList() {
        List<String> available = Captured.text("kselftest/kselftest-list.txt").lines().toList();
        SuiteExpunges ex = Expunges.parse(YAML, FILE).forRun("kselftest", "quick", null);
        SkipPlan p = ex.skipPlan(available, List.of("timers", "exec"));
        assertTrue(p.args().contains("timers:nanosleep") && p.args().contains("exec:execveat"));
        assertTrue(!p.args().contains("timers:rtcpie") && !p.args().contains("exec:load_address.0x1000"), p.args().toString());
        assertEquals("-t", p.args().get(0));
        assertEquals(List.of("kselftest/timers/rtcpie", "kselftest/exec/load_address.0x1000", "kselftest/exec/load_address.0x200000",
                "kselftest/exec/load_address.0x1000000", "kselftest/exec/load_address.static.0x1000", "kselftest/exec/load_address.static.0x200000",
                "kselftest/exec/load_address.static.0x1000000"), p.expunged().stream().map(TestId::toString).toList());
        SkipPlan none = Expunges.none().forRun("kselftest", null, null).skipPlan(available, List.of("size"));
        assertEquals(List.of("-c", "size"), none.args());
    }

    @Test
    void fstestsBlktestsAndLtpSkipOptions() {
        SkipPlan fs = Expunges.parse(YAML, FILE).forRun("fstests", null, null)
                .skipPlan(List.of("btrfs/001", "btrfs/036", "btrfs/140", "generic/001"), List.of());
        assertEquals(List.of("-E", SkipPlan.EXCLUDE_FILE_PLACEHOLDER), fs.args());
        assertEquals("generic/475 # hangs\nbtrfs/001 # hangs\nbtrfs/036 # hangs\n", fs.excludeFile());
        SkipPlan blk = Expunges.parse("- {suite: blktests, tests: [block/001, nvme/005], action: skip, reason: r}", FILE)
                .forRun("blktests", null, null).skipPlan(List.of(), List.of());
        assertEquals(List.of("-x", "block/001", "-x", "nvme/005"), blk.args());
        SkipPlan ltp = Expunges.parse("- {suite: ltp, tests: [ksm01, 'oom*'], action: skip, reason: r}", FILE)
                .forRun("ltp", null, null).skipPlan(List.of(), List.of());
        assertEquals("--skip-tests", ltp.args().get(0));
        assertTrue("ksm01".matches(ltp.args().get(1)) && "oom02".matches(ltp.args().get(1)) && !"ksm01_1".matches(ltp.args().get(1)));
    }

    @Test
    void expungedFstestsTestsTakeTheRunsSection() {
        List<TestResult> run = dev.kboot.harness.parse.FstestsParser.parse(Captured.path("fstests/result.xml"));
        List<TestResult> r = Expunges.parse(YAML, FILE).forRun("fstests", null, null).apply(run);
        TestResult g475 = r.get(r.size() - 1);
        assertEquals("fstests/global/generic/475", g475.id().toString());
        assertEquals(Status.EXPUNGED, g475.status());
        assertEquals(Status.EXPUNGED, byId(r).get("fstests/global/btrfs/036").status(), "the glob btrfs/0[0-3]? matched it");
        assertEquals(Status.FAIL, byId(r).get("fstests/global/btrfs/140").status(), "btrfs/140 is not expunged and failed");
        assertEquals(Status.PASS, byId(r).get("fstests/global/btrfs/141").status());
    }

    private static void malformed(String yaml, String message) {
        KbootException e = assertThrows(KbootException.class, () -> Expunges.parse(yaml, FILE));
        assertEquals(ExitCode.DATA, e.exitCode());
        assertEquals(message, e.getMessage());
    }

    @Test
    void malformedFilesNameFileFieldAndExpected() {
        malformed("- {suite: kselftest, tests: [a], action: skp, reason: r}",
                "expunges.yaml: key '[0].action': expected skip or xfail, found 'skp'");
        malformed("expunges:\n  - {suite: kselftest, tests: [], action: skip, reason: r}",
                "expunges.yaml: key 'expunges[0].tests': expected a non-empty list of test ids or globs, found a list");
        malformed("expunges:\n  - {suite: kselftest, tests: [a], action: skip}",
                "expunges.yaml: key 'expunges[0].reason': expected a string, found nothing");
        malformed("expunges:\n  - {suite: kselftest, tests: [a], action: skip, reason: r, kernel: '6.1('}",
                "expunges.yaml: key 'expunges[0].kernel': expected a regular expression over the kernel release, found '6.1(' (Unclosed group)");
        malformed("expunges:\n  - {suite: kselftest, test: [a], action: skip, reason: r}",
                "expunges.yaml: key 'expunges[0].test': unknown field; expected one of suite, tests, profile, kernel, action, reason, bug");
        malformed("expunges: {suite: x}", "expunges.yaml: key 'expunges': expected a list of entries, found a mapping");
        KbootException syntax = assertThrows(KbootException.class, () -> Expunges.parse("expunges: [\n", FILE));
        assertEquals(ExitCode.DATA, syntax.exitCode());
        assertTrue(syntax.getMessage().startsWith("expunges.yaml: expected YAML, found a syntax error"), syntax.getMessage());
        assertEquals(ExitCode.NO_INPUT, assertThrows(KbootException.class, () -> Expunges.load(Path.of("/nonexistent/x.yaml"))).exitCode());
    }
}
