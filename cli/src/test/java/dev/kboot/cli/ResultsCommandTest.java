package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kboot results import|show|compare} in-process, on the harness's captured suite output
 * (harness/src/test/resources/captured, see its README.md), found in the source tree.
 */
class ResultsCommandTest {
    @TempDir
    Path dir;
    Path captured;

    @BeforeEach
    void findCaptured() throws IOException {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            Path c = p.resolve("harness/src/test/resources/captured");
            if (Files.isDirectory(c)) {
                captured = c;
                return;
            }
        }
        throw new IllegalStateException("harness/src/test/resources/captured not found from " + here);
    }

    private String in(String name) {
        return captured.resolve(name).toString();
    }

    private String out(String name) {
        return dir.resolve(name).toString();
    }

    private static void oneLineError(Cli r, int code, String contains) {
        assertEquals(code, r.code(), r.err());
        assertTrue(r.err().contains(contains), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(r.err().startsWith("kboot: "), r.err());
    }

    @Test
    void importKselftestWithFailuresExits1AndWritesAllThreeFiles() throws Exception {
        Cli r = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/multi.tap"), "--results", out("r"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("14 tests: 12 pass, 2 fail"), r.out());
        assertTrue(r.out().contains("fail: kselftest/exec/execveat: exit status 1"), r.out());
        for (String f : new String[] {"results.json", "junit.xml", "summary.txt"}) {
            assertTrue(Files.isRegularFile(dir.resolve("r").resolve(f)), f);
        }
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("r/junit.xml").toFile());
        assertTrue(Files.readString(dir.resolve("r/results.json")).contains("\"schema\" : \"kboot-results/1\""));
    }

    @Test
    void importAPassingRunExits0() {
        Cli r = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/timers.tap"), "--results", out("r"));
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("verdict: OK: 9 tests, no failure (exit 0)"), r.out());
    }

    @Test
    void aPanicIsCrashTheRestMissAndExit2() {
        Cli r = Cli.run("results", "import", "--suite", "kunit", in("kunit/test_kernel_panic_interrupt.log"), "--results", out("r"));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("10 tests: 8 pass, 1 crash, 1 miss"), r.out());
        Cli show = Cli.run("results", "show", out("r"));
        assertEquals(0, show.code());
        assertTrue(show.out().contains("CRASH     kunit/string-stream-test/#2"), show.out());
        assertTrue(show.out().contains("MISS      kunit/string-stream-test/#3"), show.out());
        assertFalse(show.out().contains("\u001b["), "no colour when stdout is not a terminal");
    }

    @Test
    void aKilledRunsJournalIsFoldedIntoWhatShowAndExportRead() throws IOException {
        // A kboot test run killed (SIGKILL) while results waited for the next rewrite of
        // results.json: its recorder, never finished; the last result only in results.journal.
        Path r = dir.resolve("killed");
        var rec = new dev.kboot.harness.report.RunRecorder(new dev.kboot.harness.report.ResultsDirectory(r),
                dev.kboot.harness.model.RunInfo.started("0.1.0", java.time.Instant.parse("2026-12-02T08:00:00Z")), java.util.List.of("command"), null, null);
        for (int i = 1; i <= 3; i++) {
            rec.record(dev.kboot.harness.model.TestResult.of(dev.kboot.harness.model.TestId.of("command", "t" + i),
                    dev.kboot.harness.model.Status.PASS, "ok", ""));
        }
        Path journal = r.resolve("results.journal");
        Files.writeString(journal, "{\"seq\":4,\"test\":{\"id\":\"command/late\",\"status\":\"fail\",\"reason\":\"exit status 1\"}}\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertFalse(Files.readString(r.resolve("results.json")).contains("command/late"));
        Cli show = Cli.run("results", "show", r.toString());
        assertEquals(0, show.code(), show.err());
        assertTrue(show.out().contains("FAIL      command/late"), show.out());
        Cli export = Cli.run("results", "export", "--format", "kcidb", "--origin", "test", r.toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(export.out().contains("\"command.late\""), export.out());
        Files.writeString(journal, "{\"seq\":5,\"test\":{\"id\":\"command/later\"}}\n", java.nio.file.StandardOpenOption.APPEND);
        oneLineError(Cli.run("results", "show", r.toString()), 65, journal + ":5: key 'test.status': expected a string, found nothing");
    }

    @Test
    void theTableHasTheColumnsStringFormatWouldGive() {
        Cli.run("results", "import", "--suite", "kunit", in("kunit/test_kernel_panic_interrupt.log"), "--results", out("t"));
        dev.kboot.harness.model.RunResult run = dev.kboot.harness.report.ResultsJson.read(Path.of(out("t")));
        int width = Math.max(4, run.tests().stream().mapToInt(t -> t.id().toString().length()).max().orElse(4));
        StringBuilder want = new StringBuilder(String.format(java.util.Locale.ROOT, "%-8s  %-" + width + "s  %9s  %s", "STATUS", "TEST", "TIME", "REASON"))
                .append(System.lineSeparator());
        for (dev.kboot.harness.model.TestResult t : run.tests()) {
            String time = t.durationMs() == null ? "-" : String.format(java.util.Locale.ROOT, "%.3fs", t.durationMs() / 1000.0);
            String reason = t.reason().replace('\n', ' ');
            reason = reason.length() > 120 ? reason.substring(0, 117) + "..." : reason;
            if (!t.incidents().isEmpty() && !reason.contains(t.incidents().get(0).title())) {
                // the incident's title, unless the reason already says it (main's rule since the verdicts work)
                reason = (reason.isEmpty() ? "" : reason + "; ") + t.incidents().get(0).title() + (t.incidents().get(0).expected() ? " (expected)" : "");
            }
            want.append(String.format(java.util.Locale.ROOT, "%-8s", t.status().name()))
                    .append(String.format(java.util.Locale.ROOT, "  %-" + width + "s  %9s  %s", t.id(), time, reason).stripTrailing())
                    .append(System.lineSeparator());
        }
        Cli show = Cli.run("results", "show", out("t"));
        assertTrue(show.out().startsWith(want.toString()), show.out() + "\n--- expected to start with ---\n" + want);
        for (long ms : new long[] {0, 7, 45, 999, 1000, 1234, 61005, 123456789}) {
            assertEquals(String.format(java.util.Locale.ROOT, "%.3fs", ms / 1000.0), ResultsCommand.seconds(ms));
        }
    }

    @Test
    void aWarningIsReportedWithThePassingTestAndADmesgBesideTheTapIsScanned() {
        Cli r = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/timers.tap"), in("console/btrfs-warning-5.12.0-rc3.log"),
                "--results", out("r"));
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("console (no test running): WARNING in check_data_csum"), r.out());
        Cli w = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/timers-with-warning.log"), "--results", out("w"));
        assertEquals(0, w.code(), w.out());
        assertTrue(w.out().contains("warning during kselftest/timers/nanosleep: WARNING in check_data_csum"), w.out());
    }

    @Test
    void cutShortOutputIsIncomplete() {
        Cli r = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/timers-truncated.tap"), "--results", out("r"));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("INCOMPLETE: 3 tests never ran (MISS)"), r.out());
        Cli empty = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/empty.tap"), "--results", out("e"));
        assertEquals(2, empty.code(), "a suite that produced nothing is incomplete");
    }

    @Test
    void otherSuitesThroughImport() {
        assertEquals(1, Cli.run("results", "import", "--suite", "fstests", in("fstests/result.xml"), "--results", out("f")).code());
        Cli blk = Cli.run("results", "import", "--suite", "blktests", in("blktests/results-5.17"), "--results", out("b"));
        assertEquals(0, blk.code(), blk.out());
        assertTrue(blk.out().contains("21 tests: 18 pass, 3 skip"), blk.out());
        Cli lkp = Cli.run("results", "import", "--suite", "blktests", in("blktests/results-lkp"), "--results", out("l"));
        assertEquals(1, lkp.code());
        assertTrue(Files.isRegularFile(dir.resolve("l/artifacts/blktests/nodev/block/001.out.bad")), "artifacts are copied");
        assertEquals(1, Cli.run("results", "import", "--suite", "ltp", in("ltp/runltp-mm-5.6.0-rc4.log"), "--results", out("t")).code());
        assertEquals(1, Cli.run("results", "import", "--suite", "ltp", in("ltp/kirk-report-mm.json"), "--results", out("k")).code());
        assertEquals(2, Cli.run("results", "import", "--suite", "ltp", in("ltp/runltp-mm-cut-short.log"), "--results", out("c")).code());
        assertEquals(1, Cli.run("results", "import", "--suite", "ktap", in("ktap/ktap-rst-example-output.ktap"), "--results", out("x")).code());
    }

    @Test
    void aTestsDmesgArtifactIsScannedForIncidents() throws IOException {
        Path results = dir.resolve("fstests-results");
        Files.createDirectories(results.resolve("btrfs"));
        Files.copy(captured.resolve("fstests/result.xml"), results.resolve("result.xml"));
        // the captured WARNING stands in for what fstests kept as btrfs/036.dmesg
        Files.copy(captured.resolve("console/btrfs-warning-5.12.0-rc3.log"), results.resolve("btrfs/036.dmesg"));
        Cli r = Cli.run("results", "import", "--suite", "fstests", results.toString(), "--results", out("r"));
        assertEquals(1, r.code(), r.out());
        Cli show = Cli.run("results", "show", out("r"), "--failures");
        assertTrue(show.out().lines().anyMatch(l -> l.contains("fstests/global/btrfs/036") && l.contains("WARNING in check_data_csum")), show.out());
        assertTrue(Files.isRegularFile(dir.resolve("r/artifacts/fstests/btrfs/036.dmesg")));
    }

    @Test
    void expungesAndBaseline() throws IOException {
        Path yaml = dir.resolve("expunges.yaml");
        Files.writeString(yaml, """
                expunges:
                  - suite: kselftest
                    tests: [exec/execveat, breakpoints/step_after_suspend_test]
                    action: xfail
                    reason: known on this machine
                """);
        Cli x = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/multi.tap"), "--expunges", yaml.toString(), "--results", out("x"));
        assertEquals(0, x.code(), x.out());
        assertTrue(x.out().contains("12 pass, 2 xfail"), x.out());

        assertEquals(0, Cli.run("results", "import", "--suite", "kselftest", in("kselftest/timers.tap"), "--results", out("base")).code());
        Cli reg = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/timers-timeout.tap"), "--baseline", out("base/results.json"),
                "--results", out("head"));
        assertEquals(1, reg.code(), reg.out());
        assertTrue(reg.out().contains("against the baseline: 1 regression"), reg.out());
        assertTrue(reg.out().contains("regression: kselftest/timers/raw_skew (pass -> timeout)"), reg.out());

        Cli cmp = Cli.run("results", "compare", out("base"), out("head"));
        assertEquals(1, cmp.code());
        assertTrue(cmp.out().lines().anyMatch(l -> l.startsWith("regression") && l.contains("kselftest/timers/raw_skew") && l.endsWith("pass -> timeout")),
                cmp.out());
        assertEquals(0, Cli.run("results", "compare", out("head"), out("base")).code(), "the other way round it is fixed");
        assertTrue(Cli.run("results", "compare", out("head"), out("base")).out().contains("fixed"));
    }

    @Test
    void errorsKeepKbootsExitCodes() throws IOException {
        oneLineError(Cli.run("results", "import", "--suite", "nosuch", in("kselftest/timers.tap"), "--results", out("r")), 64,
                "--suite nosuch: expected one of kselftest, kunit, ktap, fstests, blktests, ltp, command");
        oneLineError(Cli.run("results", "import", "--suite", "kselftest", out("missing.tap"), "--results", out("r")), 66, "input not found");
        oneLineError(Cli.run("results", "import", "--suite", "kselftest", "--results", out("r")), 64, "Missing required parameter");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "expunges:\n  - {suite: kselftest, tests: [a], action: skp, reason: r}\n");
        oneLineError(Cli.run("results", "import", "--suite", "kselftest", in("kselftest/timers.tap"), "--expunges", bad.toString(), "--results", out("r")),
                65, "bad.yaml: key 'expunges[0].action': expected skip or xfail, found 'skp'");
        Files.writeString(dir.resolve("results.json"), "{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"id\":\"a/b\",\"status\":\"good\"}]}");
        oneLineError(Cli.run("results", "show", out("results.json")), 65, "key 'tests[0].status': expected one of pass");
        oneLineError(Cli.run("results", "show", out("nowhere")), 66, "results file not found");
        oneLineError(Cli.run("results", "compare", out("nowhere"), out("nowhere2")), 66, "results file not found");
        Cli debug = Cli.run("results", "show", out("nowhere"), "--debug");
        assertEquals(66, debug.code());
        assertTrue(debug.err().contains("\tat dev.kboot"), debug.err());
    }

    @Test
    void colourOnlyOnATerminalUnlessNoColorOrAskedFor() {
        assertTrue(Terminal.colour("auto", true, "xterm-256color", null));
        assertFalse(Terminal.colour("never", true, "xterm-256color", null), "--color=never");
        assertFalse(Terminal.colour("auto", false, "xterm", null), "not a terminal");
        assertFalse(Terminal.colour("auto", true, "dumb", null));
        assertFalse(Terminal.colour("auto", true, null, null));
        assertFalse(Terminal.colour("auto", true, "xterm", "1"), "NO_COLOR (no-color.org)");
        assertTrue(Terminal.colour("auto", true, "xterm", ""), "an empty NO_COLOR does not count");
        assertTrue(Terminal.colour("always", false, null, "1"), "--color=always wins over NO_COLOR");
        Cli r = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/multi.tap"), "--results", out("r"));
        assertEquals(1, r.code());
        Cli always = Cli.run("results", "show", out("r"), "--color=always");
        assertTrue(always.out().contains("\u001b[31mFAIL    \u001b[0m"), always.out());
        assertFalse(Cli.run("results", "show", out("r"), "--color=always", "--no-color").out().contains("\u001b["));
        oneLineError(Cli.run("results", "show", out("r"), "--color=maybe"), 64, "--color maybe: expected auto, always or never");
    }

    @Test
    void showAndCompareSpeakJson() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals(0, Cli.run("results", "import", "--suite", "kselftest", in("kselftest/timers.tap"), "--results", out("base")).code());
        Cli head = Cli.run("results", "import", "--suite", "kselftest", in("kselftest/timers-truncated.tap"), "--results", out("head"));
        Cli show = Cli.run("results", "show", out("head"), "--json");
        assertEquals(0, show.code(), show.err());
        var s = json.readTree(show.out());
        assertEquals(s.path("tests").size(), s.path("counts").path("pass").asInt() + s.path("counts").path("miss").asInt()
                + s.path("counts").path("fail").asInt(), show.out());
        assertEquals(3, s.path("counts").path("miss").asInt());
        assertEquals(2, s.path("verdict").path("exitCode").asInt());
        assertEquals("kselftest/timers/posix_timers", s.path("tests").get(0).path("id").asText());
        assertTrue(s.path("tests").get(0).has("durationMs") && s.path("tests").get(0).has("reason"));
        var failures = json.readTree(Cli.run("results", "show", out("head"), "--json", "--failures").out());
        failures.path("tests").forEach(t -> assertFalse(t.path("status").asText().equals("pass"), t.toString()));

        Cli cmp = Cli.run("results", "compare", out("base"), out("head"), "--json");
        assertEquals(2, cmp.code(), "exits like the table does: " + cmp.out());
        var c = json.readTree(cmp.out());
        assertEquals(3, c.path("counts").path("missing").asInt(), cmp.out());
        assertEquals(5, c.path("tests").size(), "unchanged tests only with --all: " + cmp.out());
        assertEquals("kselftest/timers/raw_skew", c.path("tests").get(0).path("id").asText());
        assertEquals("missing", c.path("tests").get(0).path("change").asText());
        assertEquals("pass", c.path("tests").get(0).path("base").asText());
        assertEquals("miss", c.path("tests").get(0).path("head").asText());
        assertTrue(c.path("tests").get(3).path("head").isNull(), "absent in head: " + cmp.out());
        assertEquals(11, json.readTree(Cli.run("results", "compare", out("base"), out("head"), "--json", "--all").out()).path("tests").size());
    }

    @Test
    void helpListsTheSubcommands() {
        Cli r = Cli.run("results", "--help");
        assertEquals(0, r.code());
        for (String s : new String[] {"show", "compare", "import"}) {
            assertTrue(r.out().contains(s), r.out());
        }
        assertTrue(Cli.run("--help").out().contains("results"));
    }
}
