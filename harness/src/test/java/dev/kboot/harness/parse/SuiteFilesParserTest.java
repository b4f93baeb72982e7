package dev.kboot.harness.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fstests, blktests, LTP and command results, on captured output (see captured/README.md). */
class SuiteFilesParserTest {
    @TempDir
    Path tmp;

    private static long count(List<TestResult> r, Status s) {
        return r.stream().filter(t -> t.status() == s).count();
    }

    private static Map<String, TestResult> byId(List<TestResult> r) {
        return r.stream().collect(Collectors.toMap(t -> t.id().toString(), Function.identity(), (a, b) -> a));
    }

    @Test
    void fstestsXunit() {
        List<TestResult> r = FstestsParser.parse(Captured.path("fstests/result.xml"));
        assertEquals(242, r.size());
        assertEquals(3, count(r, Status.FAIL));
        assertEquals(33, count(r, Status.SKIP));
        assertEquals(206, count(r, Status.PASS));
        TestResult f = byId(r).get("fstests/global/btrfs/036");
        assertEquals("output mismatch (see /home/david/xfstests/results//btrfs/036.out.bad)", f.reason());
        assertEquals(17000L, f.durationMs());
        assertTrue(f.excerpt().contains("+get_mempolicy: Function not implemented"), "system-err diff kept");
        assertTrue(f.excerpt().contains("Create readonly snapshot of '/mnt/scratch' in '/mnt/scratch/snap_1'"), "system-out kept");
        assertEquals("scratch device too small, 1048576 < 3145728", byId(r).get("fstests/global/btrfs/177").reason());
    }

    @Test
    void fstestsCutShortKeepsWhatWasReadAndSaysWhere() {
        List<TestResult> r = FstestsParser.parse(Captured.path("fstests/cut-short"));
        TestResult last = r.get(r.size() - 1);
        assertEquals(Status.ERROR, last.status());
        assertEquals("fstests/global/(result.xml)", last.id().toString());
        assertTrue(last.reason().startsWith("result.xml is malformed or cut short at line "), last.reason());
        assertTrue(last.reason().contains("its header counts 933 tests, " + (r.size() - 1) + " were read"), last.reason());
        assertTrue(r.size() > 40, "the tests before the cut are kept");
    }

    @Test
    void fstestsCheckLogAloneAndArtifacts() throws Exception {
        List<TestResult> r = FstestsParser.parse(Captured.path("fstests/check-log-only"));
        assertEquals(242, r.size());
        assertEquals(3, count(r, Status.FAIL));
        assertEquals(33, count(r, Status.SKIP));
        Path section = tmp.resolve("results/xfs_4k");
        Files.createDirectories(section.resolve("btrfs"));
        Files.copy(Captured.path("fstests/result.xml"), section.resolve("result.xml"));
        Files.writeString(section.resolve("btrfs/036.out.bad"), "QA output created by 036\n");
        List<TestResult> withArtifacts = FstestsParser.parse(tmp.resolve("results"));
        assertEquals(List.of("xfs_4k/btrfs/036.out.bad"), byId(withArtifacts).get("fstests/global/btrfs/036").artifacts());
    }

    @Test
    void fstestsNothingIsAMiss() {
        List<TestResult> r = FstestsParser.parse(tmp);
        assertEquals(List.of(Status.MISS), r.stream().map(TestResult::status).toList());
        assertTrue(r.get(0).reason().contains("fstests produced nothing"));
    }

    @Test
    void blktestsResultsDirectoryAndCheckOutputAgree() {
        List<TestResult> dir = BlktestsParser.parse(Captured.path("blktests/results-5.17"));
        List<TestResult> out = BlktestsParser.parseCheckOutput(Captured.text("blktests/check-output-block.txt"));
        assertEquals(21, dir.size());
        assertEquals(dir.stream().map(t -> t.status() + " " + t.id() + " " + t.durationMs()).toList(),
                out.stream().map(t -> t.status() + " " + t.id() + " " + t.durationMs()).toList());
        assertEquals(3, count(dir, Status.SKIP));
        assertEquals("null_blk module does not have parameter init_hctx", byId(dir).get("blktests/nodev/block/030").reason());
        assertEquals(42733L, byId(dir).get("blktests/nodev/block/001").durationMs());
    }

    @Test
    void blktestsFailureKeepsItsDiff() {
        TestResult f = BlktestsParser.parse(Captured.path("blktests/results-lkp")).get(0);
        assertEquals("blktests/nodev/block/001", f.id().toString());
        assertEquals(Status.FAIL, f.status());
        assertEquals("output differs from the expected output (see .out.bad)", f.reason());
        assertEquals(30370L, f.durationMs());
        assertEquals(List.of("nodev/block/001.out.bad"), f.artifacts());
        assertTrue(f.excerpt().contains("ls: cannot access '/sys/class/scsi_device/4:0:0:0/device/block'"));
        TestResult o = BlktestsParser.parseCheckOutput(Captured.text("blktests/check-output-block-001-failed.txt")).get(0);
        assertEquals(Status.FAIL, o.status());
        assertEquals(30370L, o.durationMs());
    }

    @Test
    void blktestsMalformedFilesAreErrors() throws Exception {
        Files.createDirectories(tmp.resolve("nodev/block"));
        Files.writeString(tmp.resolve("nodev/block/001"), "runtime\t1.0s\n");
        Files.writeString(tmp.resolve("nodev/block/002"), "status\texploded\n");
        List<TestResult> r = BlktestsParser.parse(tmp);
        assertEquals(List.of(Status.ERROR, Status.ERROR), r.stream().map(TestResult::status).toList());
        assertEquals("the results file has no status line (keys: runtime)", r.get(0).reason());
        assertEquals("unknown blktests status 'exploded'", r.get(1).reason());
    }

    @Test
    void runltpLog() {
        List<TestResult> r = LtpParser.parseRunltpLog(Captured.text("ltp/runltp-mm-5.6.0-rc4.log"));
        assertEquals(75, r.size());
        assertEquals(64, count(r, Status.PASS));
        assertEquals(2, count(r, Status.FAIL));
        assertEquals(9, count(r, Status.SKIP));
        TestResult ksm = byId(r).get("ltp/ksm01");
        assertEquals("FAIL 2", ksm.rawStatus());
        assertEquals("failed with exit value 2", ksm.reason());
        List<TestResult> cut = LtpParser.parseRunltpLog(Captured.text("ltp/runltp-mm-cut-short.log"));
        assertEquals(Status.MISS, cut.get(cut.size() - 1).status());
        assertEquals("the runltp log ends without its 'Total Tests:' footer after 26 results: runltp did not finish",
                cut.get(cut.size() - 1).reason());
    }

    @Test
    void kirkJsonReport() {
        List<TestResult> r = LtpParser.parseKirkJson(Captured.text("ltp/kirk-report-mm.json"));
        assertEquals(76, r.size());
        assertEquals(2, count(r, Status.FAIL));
        assertEquals(9, count(r, Status.SKIP));
        assertEquals("fail (retval 2)", byId(r).get("ltp/ksm01").rawStatus());
        TestResult accept = byId(r).get("ltp/accept01");
        assertEquals(Status.PASS, accept.status());
        assertTrue(accept.excerpt().contains("accept01.c:92: TPASS: UDP accept : EOPNOTSUPP (95)"));
        List<TestResult> cut = LtpParser.parseKirkJson(Captured.text("ltp/kirk-report-mm-cut-short.json"));
        TestResult err = cut.get(cut.size() - 1);
        assertEquals(Status.ERROR, err.status());
        assertEquals("ltp/(report)", err.id().toString());
        assertTrue(err.reason().contains("cut short") && err.reason().contains("after " + (cut.size() - 1) + " results"), err.reason());
    }

    @Test
    void runltpNgJsonAsOpenQaWritesIt() {
        List<TestResult> r = LtpParser.parseKirkJson(Captured.text("ltp/openqa-result-array-v2.json"));
        assertEquals(List.of("PASS ltp/syscalls/abort01", "PASS ltp/syscalls/accept01", "PASS ltp/syscalls/accept4_01", "SKIP ltp/skip_01",
                "SKIP ltp/conf_01", "ERROR ltp/brok_01"), r.stream().map(t -> t.status() + " " + t.id()).toList());
        assertEquals(234L, r.get(0).durationMs());
        assertEquals("brok_01    1  TBROK  :  Test broken", r.get(5).reason());
        assertEquals(Status.ERROR, LtpParser.parseKirkJson("[1,2]").get(0).status());
        assertEquals(Status.ERROR, LtpParser.parseKirkJson("").get(0).status());
    }

    @Test
    void commandsByExitStatus() {
        assertEquals(Status.PASS, CommandParser.judge("test_bpf", 0, "", 12L).status());
        TestResult skip = CommandParser.judge("test_bpf", 4, "no BPF JIT\n", null);
        assertEquals(Status.SKIP, skip.status());
        assertEquals("exit status 4 (kselftest's KSFT_SKIP): no BPF JIT", skip.reason());
        assertEquals(Status.TIMEOUT, CommandParser.judge("x", 124, null, null).status());
        TestResult f = CommandParser.judge("x", 137, "", null);
        assertEquals(Status.FAIL, f.status());
        assertEquals("exit status 137 (killed by signal 9)", f.reason());
        assertEquals(TestId.of("command", "x"), f.id());
        assertEquals("exit=137", f.rawStatus());
    }
}
