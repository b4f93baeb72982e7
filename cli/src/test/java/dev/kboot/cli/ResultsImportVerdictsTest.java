package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each class of issue 10 through {@code kboot results import|show|compare}, in-process, on the real
 * logs the harness's parser and detector tests use (harness/src/test/resources: captured/README.md,
 * kunit-tool/README.md, syzkaller/README.md name their sources).
 */
class ResultsImportVerdictsTest {
    @TempDir
    Path dir;
    Path resources;

    @BeforeEach
    void findResources() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("harness/src/test/resources");
            if (Files.isDirectory(c.resolve("captured"))) {
                resources = c;
                return;
            }
        }
        throw new IllegalStateException("harness/src/test/resources not found");
    }

    private String in(String name) {
        return resources.resolve(name).toString();
    }

    private String out(String name) {
        return dir.resolve(name).toString();
    }

    private Cli imp(String suite, String name, String... inputs) {
        List<String> args = new ArrayList<>(List.of("results", "import", "--suite", suite));
        for (String i : inputs) {
            args.add(i.startsWith("/") ? i : in(i));
        }
        args.addAll(List.of("--results", out(name)));
        return Cli.run(args.toArray(String[]::new));
    }

    private JsonNode json(String name) throws IOException {
        return new ObjectMapper().readTree(dir.resolve(name).resolve("results.json").toFile());
    }

    @Test
    void fstestsConsoleOutput() {
        Cli big = imp("fstests", "g", "captured/fstests/console/gocryptfs-2019-10.txt");
        assertEquals(1, big.code(), big.err());
        assertTrue(big.out().contains("507 tests: 145 pass, 10 fail, 352 skip"), big.out());
        assertTrue(big.out().contains("fail: fstests/global/generic/035: output mismatch"), big.out());

        Cli cifs = imp("fstests", "c", "captured/fstests/console/lkp-cifs-generic-group-07.txt");
        assertEquals(1, cifs.code());
        assertTrue(cifs.out().contains("7 tests: 1 pass, 1 fail, 5 skip"), cifs.out());
        assertTrue(cifs.out().contains("fail: fstests/global/generic/074: something found in dmesg"), cifs.out());

        Cli f2fs = imp("fstests", "f", "captured/fstests/console/f2fs-generic-579-kvm-xfstests.txt");
        assertTrue(f2fs.out().contains("fail: fstests/global/generic/579: filesystem on /dev/vdc is inconsistent"), f2fs.out());
        Cli show = Cli.run("results", "show", out("f"));
        assertTrue(show.out().contains("FAIL      fstests/global/generic/579"), show.out());

        Cli none = Cli.run("results", "import", "--suite", "fstests", in("captured/ltp/pan/kallsyms-tconf.txt"), "--results", out("n"));
        assertEquals(1, none.code(), none.out());
        assertTrue(none.out().contains("error: fstests/(output): no fstests test lines"), "LTP output given as fstests output: " + none.out());
    }

    @Test
    void blktestsOneResultPerCondition() {
        Cli r = imp("blktests", "b", "captured/blktests/console/nvme-loop-tcp-6.18-rc6.txt");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("113 tests: 92 pass, 5 fail, 16 skip"), r.out());
        Cli show = Cli.run("results", "show", out("b"));
        for (String id : List.of("blktests/nodev_tr_loop_bd_device/nvme/006", "blktests/nodev_tr_loop_bd_file/nvme/006",
                "blktests/nodev_tr_tcp_bd_file/nvme/012")) {
            assertTrue(show.out().lines().anyMatch(l -> l.startsWith("PASS") && l.contains(id)), id);
        }
        assertTrue(show.out().lines().anyMatch(l -> l.startsWith("FAIL") && l.contains("blktests/nodev_tr_loop/nvme/042")), show.out());
    }

    /** The same run with every result line repeated inside a dmesg line ({@code [ 1234.567890] nvme/006 ... [passed]}): the same counts. */
    @Test
    void blktestsResultLinesEchoedInDmesg() throws IOException {
        List<String> echoed = new ArrayList<>();
        for (String l : Files.readAllLines(resources.resolve("captured/blktests/console/nvme-loop-tcp-6.18-rc6.txt"), StandardCharsets.UTF_8)) {
            echoed.add(l);
            if (l.matches("^nvme/\\d+ .*\\[(passed|failed|not run)\\]\\s*$")) {
                echoed.add("[ 1234.567890] " + l);
            }
        }
        Path p = dir.resolve("echoed.txt");
        Files.write(p, echoed, StandardCharsets.UTF_8);
        Cli r = imp("blktests", "be", p.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("113 tests: 92 pass, 5 fail, 16 skip"), r.out());
    }

    @Test
    void ltpPanOutput() {
        Cli t = imp("ltp", "t", "captured/ltp/pan/lkp-af_alg03-timeout.txt");
        assertEquals(1, t.code());
        assertTrue(t.out().contains("timeout: ltp/af_alg03: timed out"), t.out());
        Cli q = imp("ltp", "q", "captured/ltp/pan/lkp-quickhit-2019-cut.txt");
        assertEquals(0, q.code(), q.out());
        assertTrue(q.out().contains("7 tests: 6 pass, 1 skip"), q.out());
        assertEquals(1, imp("ltp", "b", "captured/ltp/pan/lkp-fsync01-brok.txt").code(), "TBROK is an error");
    }

    @Test
    void kunitNesting() {
        Cli three = imp("kunit", "n", "captured/kunit/test_is_test_passed-all_passed_nested.log");
        assertEquals(0, three.code(), three.out());
        assertTrue(three.out().contains("7 tests: 7 pass"), three.out());

        Cli parent = imp("kunit", "p", "kunit-tool/test_is_test_passed-failure-nested.log");
        assertEquals(1, parent.code());
        assertTrue(parent.out().contains("fail: kunit/subtest 1: reported not ok although none of its 1 subtest failed"), parent.out());

        Cli empty = imp("kunit", "e", "kunit-tool/test_is_test_passed-no_tests_no_plan.log");
        assertEquals(1, empty.code(), empty.out());
        assertTrue(empty.out().contains("error: kunit/suite/case"), empty.out());
    }

    /**
     * KUnit under printk timestamps and prefixes, and a kernel crash mid-suite: the case the crash
     * happened in is CRASH with the report's title, the cases it cut off never ran (MISS), none fail.
     */
    @Test
    void kunitPrefixesAndACrashMidSuite() throws IOException {
        Cli time = imp("kunit", "t", "kunit-tool/test_config_printk_time.log");
        assertTrue(time.out().contains("10 tests: 10 pass"), "printk timestamps before every line: " + time.out());
        assertTrue(time.out().contains("console (no test running): kernel panic: VFS: Unable to mount root fs"),
                "UML's panic after the suites is no test's: " + time.out());

        Cli panic = imp("kunit", "x", "captured/kunit/test_kernel_panic_interrupt.log");
        assertEquals(2, panic.code(), panic.out());
        assertTrue(panic.out().contains("10 tests: 8 pass, 1 crash, 1 miss"), panic.out());
        List<String> statuses = new ArrayList<>();
        for (JsonNode t : json("x").get("tests")) {
            statuses.add(t.get("status").asText());
        }
        assertEquals(List.of("crash", "miss"), statuses.subList(8, 10), "the unfinished cases crashed or never ran; none failed");
        assertEquals("kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)",
                json("x").get("tests").get(8).get("incidents").get(0).get("title").asText());
    }

    /** Splats a test provokes on purpose are incidents of that test, not failures and not a crash of the run. */
    @Test
    void expectedSplats() throws IOException {
        Cli lkdtm = imp("kselftest", "l", "captured/kselftest/lkdtm-bug-warning.log");
        assertEquals(0, lkdtm.code(), lkdtm.out());
        assertTrue(lkdtm.out().contains("2 tests: 2 pass"), lkdtm.out());
        assertTrue(lkdtm.out().contains("expected during kselftest/lkdtm/BUG.sh: kernel BUG in lkdtm_do_action"), lkdtm.out());
        assertTrue(lkdtm.out().contains("expected during kselftest/lkdtm/WARNING.sh: WARNING in lkdtm_do_action"), lkdtm.out());
        JsonNode bug = json("l").get("tests").get(0);
        assertEquals(1, bug.get("incidents").size(), "lkdtm's echo of the dmesg it read is the same report");
        assertTrue(bug.get("incidents").get(0).get("expected").asBoolean());
        Cli show = Cli.run("results", "show", out("l"));
        assertTrue(show.out().contains("kernel BUG in lkdtm_do_action (expected)"), show.out());

        Cli kfence = imp("kunit", "k", "captured/kunit-splats/kfence-linux-next-20220831-cut.log");
        assertTrue(kfence.out().contains("expected during kunit/kfence/test_out_of_bounds_read: KFENCE: out-of-bounds read in test_out_of_bounds_read"),
                kfence.out());
        assertFalse(kfence.out().contains("CRASH") || kfence.out().contains("crash"), "an expected KFENCE report crashes nothing: " + kfence.out());
        assertEquals("pass", json("k").get("tests").get(0).get("status").asText());
    }

    /** The log part of a syzkaller report file (its header names the title), as a console log of its own. */
    private Path syzkaller(String file) throws IOException {
        Path p = dir.resolve("console-" + file + ".log");
        Files.write(p, syzkallerLog(file), StandardCharsets.ISO_8859_1);
        return p;
    }

    private List<String> syzkallerLog(String file) throws IOException {
        List<String> lines = Files.readAllLines(resources.resolve("syzkaller/linux-report").resolve(file), StandardCharsets.ISO_8859_1);
        int start = lines.indexOf("") + 1;
        int end = lines.subList(start, lines.size()).indexOf("REPORT:");
        return lines.subList(start, end < 0 ? lines.size() : start + end - 1);
    }

    /**
     * Reports inside a test's output (a kselftest run on the console): the first report is the test's
     * CRASH reason; the panic it causes (syzkaller file 197: a KASAN report, then {@code Fatal exception
     * in interrupt}) does not replace it; an RCU stall followed by a hung task (files 145 then 69) is an
     * RCU stall, and the other order a hung task.
     */
    @Test
    void theFirstReportIsTheCrashOfTheTestItRanIn() throws IOException {
        for (List<String> files : List.of(List.of("197"), List.of("145", "69"), List.of("69", "145"))) {
            List<String> log = new ArrayList<>(List.of("TAP version 13", "1..2", "# selftests: timers: posix_timers",
                    "ok 1 selftests: timers: posix_timers", "# selftests: timers: nanosleep"));
            for (String f : files) {
                log.addAll(syzkallerLog(f));
            }
            String name = "c" + String.join("-", files);
            Path console = dir.resolve(name + ".log");
            Files.write(console, log, StandardCharsets.ISO_8859_1);
            Cli r = imp("kselftest", name, console.toString());
            String want = title(files.get(0));
            assertEquals(2, r.code(), r.out());
            assertTrue(r.out().contains("crash: kselftest/timers/nanosleep: " + want), files + ": " + r.out());
            JsonNode test = json(name).get("tests").get(1);
            assertEquals("crash", test.get("status").asText());
            assertEquals(want, test.get("incidents").get(0).get("title").asText());
        }
    }

    private String title(String file) throws IOException {
        return Files.readAllLines(resources.resolve("syzkaller/linux-report").resolve(file), StandardCharsets.ISO_8859_1).get(0).substring(7);
    }

    /** A console log beside a TAP file: each crash kind is found, titled as syzkaller titles it, and written to results.json. */
    @Test
    void everyCrashKindThroughImport() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("590", "KFENCE");
        files.put("427", "KCSAN");
        files.put("626", "KMSAN");
        files.put("98", "LOCKDEP"); // possible circular locking dependency
        files.put("234", "LOCKDEP"); // possible recursive locking
        files.put("185", "LOCKDEP"); // possible deadlock
        files.put("126", "MEMLEAK");
        files.put("524", "OOPS"); // arm64 Internal error: Oops
        files.put("113", "BUG"); // kernel BUG at
        files.put("183", "LIST_CORRUPTION");
        files.put("6", "WARNING"); // a kernel message that starts WARNING:
        files.put("381", "WARNING"); // the same after a device's prefix
        files.put("749", "BUG"); // a Rust panic, its frame a Rust v0 symbol
        for (Map.Entry<String, String> e : files.entrySet()) {
            String name = "k" + e.getKey();
            Cli r = imp("kselftest", name, "captured/kselftest/timers.tap", syzkaller(e.getKey()).toString());
            String want = title(e.getKey());
            assertTrue(r.out().contains("console (no test running): " + want), e.getKey() + ": " + r.out());
            JsonNode all = json(name).get("incidents");
            JsonNode i = all.get(0);
            assertEquals(e.getValue(), i.get("signature").asText(), e.getKey());
            assertEquals(want, i.get("title").asText(), e.getKey());
            boolean fatal = false;
            for (JsonNode x : all) {
                fatal |= x.get("fatal").asBoolean();
            }
            assertEquals(fatal ? 2 : 0, r.code(), e.getKey() + ": a crash while no test ran leaves the run incomplete, a warning does not");
        }
    }

    /** The not-crashes (real syzkaller logs with no report) raise nothing. */
    @Test
    void notCrashesThroughImport() throws IOException {
        for (String f : List.of("649", "710", "739", "618", "252", "647", "654", "732", "76")) {
            Cli r = imp("kselftest", "q" + f, "captured/kselftest/timers.tap", syzkaller(f).toString());
            assertEquals(0, r.code(), f + ": " + r.out());
            assertEquals(0, json("q" + f).get("incidents").size(), f);
        }
    }

    /** The same title in both runs is persistent; a new title is a regression (exit 1 when nothing else is wrong). */
    @Test
    void crashTitlesCompareAcrossRuns() throws IOException {
        String tap = "captured/kselftest/timers.tap";
        Path leak = syzkaller("126"); // memory leak
        Path lockdep = syzkaller("98");
        assertEquals(0, imp("kselftest", "base", tap, leak.toString()).code());
        Cli head = Cli.run("results", "import", "--suite", "kselftest", in(tap), leak.toString(), lockdep.toString(), "--baseline", out("base"),
                "--results", out("head"));
        assertEquals(1, head.code(), head.out());
        assertTrue(head.out().contains("kernel incidents against the baseline: 1 new, 1 persistent-failure"), head.out());
        assertTrue(head.out().contains("regression: new kernel warning 'WARNING: possible circular locking dependency detected' while no test was running"),
                head.out());

        Cli cmp = Cli.run("results", "compare", out("base"), out("head"));
        assertEquals(1, cmp.code(), cmp.out());
        assertTrue(cmp.out().lines().anyMatch(l -> l.startsWith("regression") && l.contains("warning: WARNING: possible circular locking dependency detected")),
                cmp.out());
        String leakTitle = title("126");
        assertTrue(cmp.out().lines().anyMatch(l -> l.startsWith("persistent-failure") && l.contains(leakTitle)), cmp.out());
        Cli back = Cli.run("results", "compare", out("head"), out("base"));
        assertEquals(0, back.code(), back.out());
        assertTrue(back.out().lines().anyMatch(l -> l.startsWith("fixed") && l.contains("possible circular locking dependency")), back.out());
        assertTrue(json("head").toString().contains("\"title\":\"WARNING: possible circular locking dependency detected\""));
    }
}
