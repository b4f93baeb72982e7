package dev.kboot.harness.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.crash.CrashAttribution;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.KselftestParser;
import dev.kboot.harness.parse.KunitParser;
import dev.kboot.harness.parse.Lines;
import dev.kboot.harness.parse.Located;
import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** results.json, junit.xml, summary.txt and their atomic, after-each-test writing. */
class ReportTest {
    @TempDir
    Path dir;

    private static RunInfo info() {
        Map<String, Long> phases = new LinkedHashMap<>();
        phases.put("boot planned", 12L);
        phases.put("guest ready", 1830L);
        return new RunInfo("6.1.0-56-amd64", "console=ttyS0 panic=-1", "NixOS 24.05", "/nix/store/aaaa-nixos-system", "QEMU emulator version 7.2.19",
                "tcg", "0.1.0", phases, Instant.parse("2026-11-22T03:48:49Z"), null, 4.0);
    }

    private static RunResult crashedKunit() {
        String log = Captured.text("kunit/test_kernel_panic_interrupt.log");
        List<Located> l = KunitParser.parseLocated(log);
        CrashAttribution.Outcome o = CrashAttribution.attribute(Located.results(l), CrashAttribution.windows(l),
                CrashAttribution.watchLines(Lines.split(log)));
        return new RunResult(info(), List.of("kunit"), o.tests(), o.incomplete(), List.of(), o.unattributed(), false)
                .finish(Instant.parse("2026-11-22T03:50:00Z"));
    }

    @Test
    void resultsJsonRoundTrips() {
        RunResult run = crashedKunit();
        String json = ResultsJson.write(run, null, null);
        assertTrue(json.startsWith("{\n  \"schema\" : \"kboot-results/1\""), json.substring(0, 60));
        assertEquals(run, ResultsJson.parse(json, Path.of("results.json")));
        assertTrue(json.contains("\"exitCode\" : 2"), "the verdict is written for other readers");
        RunResult multi = new RunResult(info(), List.of("kselftest"), KselftestParser.parse(Captured.text("kselftest/multi.tap")),
                List.of(), List.of("p"), List.of(), true);
        assertEquals(multi, ResultsJson.parse(ResultsJson.write(multi, Comparison.of(multi, multi), "base/results.json"), Path.of("r.json")));
    }

    private static void malformed(String json, String message) {
        KbootException e = assertThrows(KbootException.class, () -> ResultsJson.parse(json, Path.of("r/results.json")));
        assertEquals(ExitCode.DATA, e.exitCode());
        assertEquals(message, e.getMessage());
    }

    @Test
    void malformedResultsNameTheField() {
        String good = ResultsJson.write(crashedKunit(), null, null);
        malformed(good.replaceFirst("\"status\" : \"pass\"", "\"status\" : \"passed\""),
                "r/results.json: key 'tests[0].status': expected one of pass, fail, timeout, crash, error, skip, xfail, xpass, expunged, miss, found 'passed'");
        malformed(good.replace("kboot-results/1", "kboot-results/2"), "r/results.json: key 'schema': expected 'kboot-results/1', found 'kboot-results/2'");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":{}}", "r/results.json: key 'tests': expected an array of test results");
        malformed(good.replace("2026-11-22T03:48:49Z", "yesterday"),
                "r/results.json: key 'run.startTime': expected an ISO-8601 instant (2026-01-31T12:00:00Z), found 'yesterday'");
        assertEquals(ExitCode.NO_INPUT, assertThrows(KbootException.class, () -> ResultsJson.read(dir.resolve("nothing"))).exitCode());
    }

    @Test
    void theFirstErrorInTheOrderTheFieldsAreCheckedIsReportedWhereverItStandsInTheFile() {
        // one error, the first in the order the reader checks the fields whatever the order of the
        // keys in the file, and a syntax error before any
        String schema = "\"schema\":\"kboot-results/2\"";
        String badTest = "\"tests\":[{\"id\":\"a/b\",\"status\":\"pass\"},{\"id\":\"a/c\",\"status\":\"good\"},{\"status\":7}]";
        malformed("{" + badTest + "," + schema + ",\"run\":{}}", "r/results.json: key 'schema': expected 'kboot-results/1', found 'kboot-results/2'");
        malformed("{" + badTest + ",\"schema\":\"kboot-results/1\",\"run\":{\"suites\":[1]}}", "r/results.json: key 'run.suites[0]': expected a string");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{}," + badTest + "}",
                "r/results.json: key 'tests[1].status': expected one of pass, fail, timeout, crash, error, skip, xfail, xpass, expunged, miss, found 'good'");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{}," + badTest + ",\"shard\":{\"count\":\"x\"}}",
                "r/results.json: key 'tests[1].status': expected one of pass, fail, timeout, crash, error, skip, xfail, xpass, expunged, miss, found 'good'");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"id\":\"a/b\",\"status\":\"pass\"}],\"shard\":{\"count\":\"x\"}}",
                "r/results.json: key 'shard.count': expected a whole number");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{}," + badTest + ",\"x\":[1,}",
                "r/results.json: expected JSON, found a syntax error at line 1: Unexpected character ('}' (code 125)): expected a value");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"id\":\"a/b\",\"status\":\"pass\",\"durationMs\":\"1s\"}]}",
                "r/results.json: key 'tests[0].durationMs': expected a number of ms or null");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"id\":\"a/b\",\"status\":\"pass\",\"reason\":[]}]}",
                "r/results.json: key 'tests[0].reason': expected a string, found array");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"id\":\"a/b\",\"status\":\"pass\",\"excerpt\":false}]}",
                "r/results.json: key 'tests[0].excerpt': expected a string, found boolean");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"id\":\"a/b\",\"status\":\"pass\",\"artifacts\":[\"x\",2]}]}",
                "r/results.json: key 'tests[0].artifacts[1]': expected a string");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"id\":\"a/b\",\"status\":\"pass\",\"incidents\":[{}]}]}",
                "r/results.json: key 'tests[0].incidents[0].signature': expected a string, found nothing");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"path\":[\"a\",\"\"],\"status\":\"pass\"}]}",
                "r/results.json: key 'tests[0].id': expected suite/level/test, empty segment in test id [a, ]");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"id\":\"a/b\",\"status\":\"pass\"}, 3]}",
                "r/results.json: key 'tests[1]': expected an object");
        malformed("{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[],\"tests\":{}}", "r/results.json: key 'tests': expected an array of test results");
        malformed("[]", "r/results.json: expected a JSON object");
        malformed("", "r/results.json: expected a JSON object");
        // what is lenient stays lenient: a later "tests" wins, unknown keys and computed fields are
        // ignored, a fractional duration is whole ms, a path beats the id, booleans as Jackson reads them
        RunResult r = ResultsJson.parse("{\"tests\":{},\"schema\":\"kboot-results/1.2\",\"run\":{\"finished\":\"true\"},\"counts\":{\"pass\":9},"
                + "\"tests\":[{\"id\":\"x/y\",\"path\":[\"a\",\"b\"],\"status\":\"fail\",\"durationMs\":12.7,\"unstable\":1,\"more\":{\"z\":[1,{}]},"
                + "\"reason\":null}, {\"id\":\"a/c\",\"status\":\"pass\",\"status\":\"skip\",\"unstable\":\"yes\"}]} trailing", Path.of("r.json"));
        assertEquals(2, r.tests().size());
        assertEquals(TestId.of("a", "b"), r.tests().get(0).id());
        assertEquals(12L, r.tests().get(0).durationMs());
        assertTrue(r.tests().get(0).unstable());
        assertEquals(Status.SKIP, r.tests().get(1).status());
        assertEquals(false, r.tests().get(1).unstable());
        assertTrue(r.finished());
    }

    @Test
    void junitXmlIsWhatJenkinsReads() throws Exception {
        RunResult run = crashedKunit();
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(JunitXml.write(run)));
        Element root = d.getDocumentElement();
        assertEquals("testsuites", root.getTagName());
        assertEquals("10", root.getAttribute("tests"));
        assertEquals("2", root.getAttribute("errors"), "CRASH and MISS are errors");
        assertEquals("0", root.getAttribute("failures"));
        NodeList cases = d.getElementsByTagName("testcase");
        assertEquals(10, cases.getLength());
        Element crash = (Element) cases.item(8);
        assertEquals("kunit.string-stream-test", crash.getAttribute("classname"));
        assertEquals("#2", crash.getAttribute("name"));
        Element error = (Element) crash.getElementsByTagName("error").item(0);
        assertEquals("CRASH", error.getAttribute("type"));
        assertEquals("CRASH: kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)", error.getAttribute("message"),
                "the reason is the crash's stable title");
        assertTrue(crash.getElementsByTagName("system-out").item(0).getTextContent().contains("Kernel panic - not syncing"));
        assertEquals("6.1.0-56-amd64", ((Element) d.getElementsByTagName("property").item(0)).getAttribute("value"));

        RunResult multi = new RunResult(info(), List.of("kselftest"), KselftestParser.parse(Captured.text("kselftest/multi.tap")),
                List.of(), List.of(), List.of(), true);
        Document m = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(JunitXml.write(multi)));
        assertEquals("2", m.getDocumentElement().getAttribute("failures"));
        Element failure = (Element) m.getElementsByTagName("failure").item(0);
        assertEquals("FAIL: exit status 1; Bail out! Failed to enter Suspend state", failure.getAttribute("message"));
        assertEquals("not ok 1 selftests: breakpoints: step_after_suspend_test # exit=1", failure.getTextContent());
    }

    @Test
    void controlCharactersFromTheConsoleNeverBreakTheXml() throws Exception {
        // futex.tap holds the terminal escapes its test printed (ESC [ 3 7 m)
        String futex = Captured.text("kselftest/futex.tap");
        assertTrue(futex.indexOf('\u001b') >= 0);
        RunResult run = new RunResult(info(), List.of("kselftest"), KselftestParser.parse(futex).stream()
                .map(t -> t.withStatus(dev.kboot.harness.model.Status.FAIL)).toList(), List.of(), List.of(), List.of(), true);
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(JunitXml.write(run)));
        assertTrue(d.getElementsByTagName("system-out").item(0).getTextContent().contains("futex_requeue_pi"));
    }

    @Test
    void aRecorderRewritesValidFilesAfterEachTest() throws Exception {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("results"));
        RunRecorder rec = new RunRecorder(rd, info(), List.of("kselftest"), null, null);
        RunResult empty = ResultsJson.read(rd.dir());
        assertFalse(empty.finished());
        assertEquals(0, empty.tests().size());
        List<TestResult> tests = KselftestParser.parse(Captured.text("kselftest/multi.tap"));
        for (int i = 0; i < tests.size(); i++) {
            rec.record(tests.get(i));
            RunResult now = ResultsJson.read(rd.dir());
            assertEquals(i + 1, now.tests().size());
            assertFalse(now.finished());
            assertTrue(Files.readString(rd.dir().resolve("summary.txt")).contains("INCOMPLETE: the run did not finish"));
            DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(rd.dir().resolve("junit.xml").toFile());
            assertFalse(Files.exists(rd.dir().resolve("results.html")), "the page for people is written when the run ends");
        }
        RunResult done = rec.finish(Instant.parse("2026-11-22T04:00:00Z"));
        assertTrue(ResultsJson.read(rd.dir()).finished());
        assertEquals(ExitCode.FAILED, rec.verdict().exitCode());
        assertEquals(done, ResultsJson.read(rd.dir().resolve("results.json")));
        try (Stream<Path> s = Files.list(rd.dir())) {
            assertEquals(List.of("junit.xml", "results.html", "results.json", "summary.txt"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp files left behind");
        }
        String summary = Files.readString(rd.dir().resolve("summary.txt"));
        assertTrue(summary.contains("Linux 6.1.0-56-amd64 (NixOS 24.05) on tcg"), summary);
        assertTrue(summary.contains("14 tests: 12 pass, 2 fail"), summary);
        assertTrue(summary.contains("verdict: FAILED: 2 failures in 14 tests (exit 1)"), summary);
    }

    @Test
    void reparsingTheGrowingOutputKeepsTheFilesCurrent() {
        ResultsDirectory rd = new ResultsDirectory(dir.resolve("live"));
        RunRecorder rec = new RunRecorder(rd, info(), List.of("kselftest", "command"), null, null);
        List<dev.kboot.harness.model.TestId> timers = Captured.text("kselftest/kselftest-list.txt").lines().filter(l -> l.startsWith("timers:"))
                .map(l -> dev.kboot.harness.model.TestId.of("kselftest", "timers", l.substring(7))).toList();
        rec.expect("kselftest", timers);
        assertEquals(9, ResultsJson.read(rd.dir()).tests().stream().filter(t -> t.status() == dev.kboot.harness.model.Status.MISS).count());
        String full = Captured.text("kselftest/timers.tap");
        String partial = Captured.text("kselftest/timers-truncated.tap");
        rec.replaceSuite("kselftest", KselftestParser.parse(partial));
        rec.record(dev.kboot.harness.parse.CommandParser.judge("test_bpf", 0, "", 5L));
        RunResult mid = ResultsJson.read(rd.dir());
        assertEquals(10, mid.tests().size(), "9 timers tests (6 done, 3 MISS by name, no #N placeholders) and the command");
        assertEquals("kselftest/timers/threadtest", mid.tests().get(7).id().toString());
        assertEquals(dev.kboot.harness.model.Status.MISS, mid.tests().get(7).status());
        rec.replaceSuite("kselftest", KselftestParser.parse(full));
        RunResult done = rec.finish(Instant.parse("2026-11-22T04:00:00Z"));
        assertEquals(10, done.tests().size());
        assertEquals(9, done.counts().get(dev.kboot.harness.model.Status.PASS), "8 timers passes and the command");
        assertEquals(1, done.counts().get(dev.kboot.harness.model.Status.SKIP), "rtcpie");
        assertEquals(ExitCode.OK, rec.verdict().exitCode());
    }

    @Test
    void excerptsAreCappedAt16KibKeepingHeadAndTail() {
        String log = Captured.text("kselftest/exec.tap").repeat(3);
        assertTrue(log.getBytes(StandardCharsets.UTF_8).length > 3 * TestResult.EXCERPT_CAP / 2);
        String capped = TestResult.cap(log);
        assertTrue(capped.getBytes(StandardCharsets.UTF_8).length <= TestResult.EXCERPT_CAP, "" + capped.length());
        assertTrue(capped.startsWith("TAP version 13\n1..11\n# selftests: exec: execveat"));
        assertTrue(capped.endsWith(log.substring(log.length() - 200)));
        assertTrue(capped.matches("(?s).*\\n\\[\\.\\.\\. kboot: \\d+ bytes cut \\.\\.\\.\\]\\n.*"));
        assertEquals("\u00e9".repeat(10), TestResult.cap("\u00e9".repeat(10)));
        String wide = TestResult.cap("\u00e9".repeat(20000));
        assertFalse(wide.contains("\ufffd"), "no character is split");
    }

    @Test
    void theHtmlReportIsSelfContainedAndEscapesWhatTestsPrinted() {
        TestId id = TestId.of("command", "<b>bold</b>");
        RunResult run = RunResult.started(info().withPhases(java.util.Map.of("QEMU started", 120L)), List.of("command"))
                .with(TestResult.fail(id, "", "printed </script><script>alert(1)</script>").withExcerpt("a & b < c"))
                .finish(Instant.parse("2026-11-22T04:00:00Z"));
        String html = HtmlReport.render(run, null, null);
        assertFalse(html.contains("<script>alert"), "what a test printed is text, not markup");
        assertTrue(html.contains("printed &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertTrue(html.contains("a &amp; b &lt; c"));
        assertTrue(html.contains("data-id=\"command/&lt;b&gt;bold&lt;/b&gt;\""));
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains(" src="), "nothing is fetched");
        assertTrue(html.contains("<svg") && html.contains("QEMU started"), "the phase timeline");
        assertEquals(1, html.split("<tr class=\"test\"").length - 1);
    }

    @Test
    void everyLinkOfTheComparisonLeadsToARowAndMissingTestsAreNamedWithoutOne() {
        TestId kept = TestId.of("kselftest", "timers:nanosleep"), gone = TestId.of("kselftest", "timers:posix_timers"), added = TestId.of("kselftest", "net:new");
        RunResult base = RunResult.started(info(), List.of("kselftest")).with(TestResult.pass(kept, "ok")).with(TestResult.pass(gone, "ok"))
                .finish(Instant.parse("2026-11-22T04:00:00Z"));
        RunResult head = RunResult.started(info(), List.of("kselftest")).with(TestResult.fail(kept, "not ok", "exit 1")).with(TestResult.pass(added, "ok"))
                .finish(Instant.parse("2026-11-22T05:00:00Z"));
        Comparison cmp = Comparison.of(base, head);
        assertEquals(dev.kboot.harness.baseline.Change.MISSING, cmp.tests().stream().filter(e -> e.id().equals(gone)).findFirst().orElseThrow().change());
        String html = HtmlReport.render(head, cmp, "base/results.json");
        java.util.Set<String> ids = new java.util.HashSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" id=\"([^\"]+)\"").matcher(html);
        while (m.find()) {
            ids.add(m.group(1));
        }
        java.util.regex.Matcher links = java.util.regex.Pattern.compile("href=\"#([^\"]+)\"").matcher(html);
        int n = 0;
        while (links.find()) {
            n++;
            assertTrue(ids.contains(links.group(1)), "a link to #" + links.group(1) + " has no element with that id");
        }
        assertEquals(2, n, "the regression and the new test link to their rows: " + html);
        assertTrue(html.contains("<li><span class=\"absent\" title=\"not in this run: no row below\">kselftest/timers:posix_timers</span> pass → (absent)</li>"), html);
    }
}
