package dev.kboot.harness.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The console forms of fstests ({@code ./check}'s output), blktests ({@code ./check}'s output, one
 * result per condition) and LTP (ltp-pan's {@code <<<test_start>>>} blocks), on real logs from mails
 * and CI reports (captured/README.md names each). The known answers are the suites' own summaries
 * ({@code Failures:}, {@code Not run:}, {@code Failed N of M tests}) and the verdict words on the lines.
 */
class ConsoleSuiteParsersTest {
    private static Map<String, TestResult> byId(List<TestResult> r) {
        return r.stream().collect(Collectors.toMap(t -> t.id().toString(), Function.identity(), (a, b) -> b, LinkedHashMap::new));
    }

    private static Set<String> names(List<TestResult> r, Status s) {
        return r.stream().filter(t -> t.status() == s).map(t -> t.id().name()).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The tests a {@code Ran:}/{@code Not run:}/{@code Failures:} line of fstests' summary lists. */
    private static Set<String> summary(String text, String key) {
        return text.lines().filter(l -> l.startsWith(key + ":")).findFirst()
                .map(l -> new TreeSet<>(Arrays.asList(l.substring(key.length() + 1).trim().split("\\s+"))))
                .orElseThrow(() -> new AssertionError("no " + key + " line"));
    }

    /** fstests' own summary says which failed and which did not run: the parser agrees, also with the summary cut off. */
    @Test
    void fstestsConsoleAgreesWithCheckSummary() {
        for (String name : List.of("gocryptfs-2019-10.txt", "gocryptfs-2018-01.txt", "lkp-cifs-generic-group-07.txt")) {
            String text = Captured.text("fstests/console/" + name);
            Set<String> ran = summary(text, "Ran");
            Set<String> notRun = summary(text, "Not run");
            Set<String> failed = summary(text, "Failures");
            Set<String> all = new TreeSet<>(ran);
            all.addAll(notRun);
            Set<String> passed = new TreeSet<>(all);
            passed.removeAll(notRun);
            passed.removeAll(failed);
            String noSummary = text.lines().filter(l -> !l.matches("^(Ran|Not run|Failures|Failed \\d+ of \\d+ tests|Passed all).*"))
                    .collect(Collectors.joining("\n"));
            for (String form : List.of(text, noSummary)) {
                List<TestResult> r = FstestsConsoleParser.parse(form);
                assertEquals(all.size(), r.size(), name);
                assertEquals(failed, names(r, Status.FAIL), name);
                assertEquals(notRun, names(r, Status.SKIP), name);
                assertEquals(passed, names(r, Status.PASS), name);
            }
        }
        // "Failed 10 of 507 tests" / "Failed 6 of 89 tests" (older fstests counted the not-run tests in Ran)
        assertEquals(10, names(FstestsConsoleParser.parse(Captured.text("fstests/console/gocryptfs-2019-10.txt")), Status.FAIL).size());
        assertEquals(83, names(FstestsConsoleParser.parse(Captured.text("fstests/console/gocryptfs-2018-01.txt")), Status.PASS).size());
    }

    @Test
    void fstestsConsoleReasonsAndDurations() {
        Map<String, TestResult> cifs = byId(FstestsConsoleParser.parse(Captured.text("fstests/console/lkp-cifs-generic-group-07.txt")));
        assertEquals("something found in dmesg", cifs.get("fstests/global/generic/074").reason());
        assertEquals(95_000L, cifs.get("fstests/global/generic/075").durationMs());
        assertEquals("kernel doesn't support renameat2 syscall", cifs.get("fstests/global/generic/078").reason());

        // six runs, each "[failed, exit status 1]- output mismatch"; the dmesg that follows the last holds no result
        List<TestResult> zorro = FstestsConsoleParser.parse(Captured.text("fstests/console/ext4-1k-recovery-zorro.txt"));
        assertEquals(List.of("generic/388", "generic/455", "generic/475", "generic/482", "ext4/059", "generic/530"),
                zorro.stream().map(t -> t.id().name()).toList());
        for (TestResult t : zorro) {
            assertEquals(Status.FAIL, t.status(), t.id().toString());
            assertEquals("exit status 1; output mismatch", t.reason());
            assertTrue(t.excerpt().contains(".out.bad"), "the diff is kept: " + t.excerpt());
        }

        // kvm-xfstests: -T timestamps, a printk line between the test's name and its verdict
        List<TestResult> f2fs = FstestsConsoleParser.parse(Captured.text("fstests/console/f2fs-generic-579-kvm-xfstests.txt"));
        assertEquals(1, f2fs.size());
        assertEquals(Status.FAIL, f2fs.get(0).status());
        assertEquals("filesystem on /dev/vdc is inconsistent", f2fs.get(0).reason());

        TestResult hfs = FstestsConsoleParser.parse(Captured.text("fstests/console/hfsplus-generic-020.txt")).get(0);
        assertEquals("fstests/global/generic/020", hfs.id().toString());
        assertEquals(Status.FAIL, hfs.status());
        assertEquals("filesystem on /dev/loop50 is inconsistent", hfs.reason());
    }

    @Test
    void fstestsConsoleCutShortAndNoTests() {
        String text = Captured.text("fstests/console/gocryptfs-2019-10.txt");
        // cut while generic/093 (a failure) runs: the last test started has no verdict
        String cut = text.substring(0, text.indexOf("generic/093") + "generic/093".length());
        List<TestResult> r = FstestsConsoleParser.parse(cut);
        TestResult last = r.get(r.size() - 1);
        assertEquals("fstests/global/generic/093", last.id().toString());
        assertEquals(Status.MISS, last.status(), last.reason());
        assertEquals(Status.PASS, byId(r).get("fstests/global/generic/001").status());

        List<TestResult> none = FstestsConsoleParser.parse("bash: ./check: No such file or directory\n");
        assertEquals(1, none.size());
        assertTrue(none.get(0).status() == Status.ERROR || none.get(0).status() == Status.MISS, none.toString());
        assertEquals("(output)", none.get(0).id().name());
    }

    /** blktests: one result per test and condition ({@code tr=loop bd=device}); the {@code [passed]}/{@code [failed]}/{@code [not run]} words are the answer. */
    @Test
    void blktestsCheckOutputPerCondition() {
        String text = Captured.text("blktests/console/nvme-loop-tcp-6.18-rc6.txt");
        List<TestResult> r = BlktestsParser.parseCheckOutput(text);
        // distinct (test, condition) pairs with a verdict word on their line
        Set<String> verdictLines = text.lines().filter(l -> l.matches(".*\\[(passed|failed|not run)\\]\\s*$"))
                .map(l -> l.replaceAll("^.*?(nvme/\\d+)", "$1").replaceAll("\\s*\\[(passed|failed|not run)\\]\\s*$", ""))
                .collect(Collectors.toSet());
        assertEquals(verdictLines.size(), r.size());
        assertEquals(113, r.size());
        assertEquals(5, r.stream().filter(t -> t.status() == Status.FAIL).count());
        assertEquals(16, r.stream().filter(t -> t.status() == Status.SKIP).count());
        assertEquals(92, r.stream().filter(t -> t.status() == Status.PASS).count());

        Map<String, TestResult> m = byId(r);
        assertEquals(Status.PASS, m.get("blktests/nodev_tr_loop_bd_device/nvme/006").status());
        assertEquals(Status.PASS, m.get("blktests/nodev_tr_loop_bd_file/nvme/006").status());
        assertEquals(Status.PASS, m.get("blktests/nodev_tr_tcp_bd_file/nvme/012").status());
        assertEquals(42_504L, m.get("blktests/nodev_tr_loop/nvme/002").durationMs(), "the new runtime of 'runtime 42.094s ... 42.504s'");
        // printed after an unfinished rmdir: error on the same line
        assertEquals(Status.FAIL, m.get("blktests/nodev_tr_loop/nvme/042").status());
        assertEquals("output differs from the expected output", m.get("blktests/nodev_tr_loop/nvme/042").reason());
        assertEquals("something found in dmesg", m.get("blktests/nodev_tr_tcp/nvme/004").reason());
        assertEquals("nvme_trtype=tcp is not supported in this test", m.get("blktests/nodev_tr_tcp/nvme/002").reason());
        assertEquals(Status.PASS, m.get("blktests/nodev/nvme/065").status(), "a test without a condition run in both passes is one result");
        assertNull(m.get("blktests/nodev/nvme/012"), "no result without its condition");
    }

    /**
     * The same run as a terminal shows it (check colours the status with {@code tput setaf N} and
     * {@code tput sgr0}) and as a console where each result line is also echoed after a printk time:
     * the same results. And the condition forms of blktests' own meta tests ({@code COND_DESC} of
     * tests/meta/016 and the joined one of {@code _set_combined_conditions}, meta/018).
     */
    @Test
    void blktestsColoursEchoesAndConditionForms() {
        String text = Captured.text("blktests/console/nvme-loop-tcp-6.18-rc6.txt");
        List<TestResult> plain = BlktestsParser.parseCheckOutput(text);
        String coloured = text.replace("[passed]", "[\u001b[32mpassed\u001b(B\u001b[m]").replace("[failed]", "[\u001b[31mfailed\u001b(B\u001b[m]")
                .replace("[not run]", "[\u001b[33mnot run\u001b(B\u001b[m]");
        String echoed = text.lines().flatMap(l -> l.matches("^nvme/\\d+ .*\\[(passed|failed|not run)\\]\\s*$")
                ? java.util.stream.Stream.of(l, "[ 1234.567890] " + l) : java.util.stream.Stream.of(l)).collect(Collectors.joining("\n"));
        for (String form : List.of(coloured, echoed)) {
            List<TestResult> r = BlktestsParser.parseCheckOutput(form);
            List<String> want = plain.stream().map(t -> t.id() + " " + t.status()).toList();
            List<String> got = r.stream().map(t -> t.id() + " " + t.status()).toList();
            assertEquals(List.of(), got.stream().filter(g -> !want.contains(g)).toList(), "results the plain form does not have");
            assertEquals(want, got);
        }
        String meta = """
                meta/016 (condition set 0) (repeat test case runs by conditions) [passed]
                    runtime    ...  0.012s
                meta/016 (condition set 1) (repeat test case runs by conditions) [passed]
                    runtime    ...  0.011s
                meta/018 (x=0 y=0) (combine two set_conditions() hooks)    [passed]
                meta/018 (x=1 y=0) (combine two set_conditions() hooks)    [failed]
                    runtime    ...  0.010s
                    --- tests/meta/018.out
                    +++ /root/blktests/results/nodev_x_1_y_0/meta/018.out.bad
                meta/018 (x=0 y=1) (combine two set_conditions() hooks)    [not run]
                    skipped by a hook
                """;
        Map<String, TestResult> m = byId(BlktestsParser.parseCheckOutput(meta));
        assertEquals(List.of("blktests/nodev_condition_set_0/meta/016", "blktests/nodev_condition_set_1/meta/016", "blktests/nodev_x_0_y_0/meta/018",
                "blktests/nodev_x_1_y_0/meta/018", "blktests/nodev_x_0_y_1/meta/018"), List.copyOf(m.keySet()),
                "the directory names check gives them: ${COND_DESC//[ =]/_}");
        assertEquals(Status.FAIL, m.get("blktests/nodev_x_1_y_0/meta/018").status());
        assertEquals(Status.SKIP, m.get("blktests/nodev_x_0_y_1/meta/018").status());
    }

    /** ltp-pan's blocks: termination_id is the tst_test result mask; a kill by timeout is a timeout. */
    @Test
    void ltpPanBlocks() {
        record Want(String file, String test, Status status, String reason) {
        }
        for (Want w : List.of(
                new Want("lkp-hugemmap10.txt", "hugemmap10", Status.FAIL, "hugemmap10.c:338: TFAIL: While touching the addr after mmap private"),
                new Want("lkp-ioctl_pidfd05.txt", "ioctl_pidfd05", Status.FAIL, "TFAIL: ioctl(pidfd, PIDFD_GET_INFO_SHORT, info_invalid) expected EINVAL"),
                new Want("lkp-mseal01.txt", "mseal01", Status.FAIL, "mseal01.c:88: TFAIL"),
                new Want("lkp-vma02-old-api.txt", "vma02", Status.FAIL, "vma02.c:144: >1 unmerged VMAs."),
                new Want("lkp-af_alg03-timeout.txt", "af_alg03", Status.TIMEOUT, "Test timeouted"),
                new Want("lkp-fsync01-brok.txt", "fsync01", Status.ERROR, "BROK: mount.exfat failed with 256"),
                new Want("kallsyms-tconf.txt", "kallsyms", Status.SKIP, "TCONF"))) {
            List<TestResult> r = LtpParser.parsePanOutput(Captured.text("ltp/pan/" + w.file()));
            assertEquals(1, r.size(), w.file());
            TestResult t = r.get(0);
            assertEquals("ltp/" + w.test(), t.id().toString());
            assertEquals(w.status(), t.status(), w.file());
            assertTrue(t.reason() != null && t.reason().contains(w.reason()) || w.status() == Status.SKIP, w.file() + ": " + t.reason());
        }
        List<TestResult> quick = LtpParser.parsePanOutput(Captured.text("ltp/pan/lkp-quickhit-2019-cut.txt"));
        assertEquals(List.of("execv01", "execve01", "execvp01", "f00f", "fchmod01", "fchown01", "fcntl02"),
                quick.stream().map(t -> t.id().name()).toList());
        assertEquals(Set.of("f00f"), names(quick, Status.SKIP), "f00f: TCONF, termination_id=32");
        assertEquals(6, names(quick, Status.PASS).size());

        // a block cut before <<<execution_status>>> never finished
        String text = Captured.text("ltp/pan/lkp-hugemmap10.txt");
        List<TestResult> cut = LtpParser.parsePanOutput(text.substring(0, text.indexOf("<<<execution_status>>>")));
        assertEquals(Status.MISS, cut.get(0).status());
    }
}
