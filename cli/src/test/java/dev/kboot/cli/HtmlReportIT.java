package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * results.html in Debian's headless Chromium, on results imported from captured kselftest output
 * (harness/src/test/resources/captured/kselftest, see its README.md): a timers run and a run of
 * three collections where execveat and step_after_suspend_test fail as the baseline; the same with
 * the timers run whose raw_skew timed out as the head (a regression, two persistent failures).
 */
class HtmlReportIT {
    @TempDir
    Path dir;

    static Path captured(String name) {
        return KbootProcess.REPO.resolve("harness/src/test/resources/captured/kselftest").resolve(name);
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theReportShowsEveryTestFiltersSortsOpensAndPutsRegressionsFirst() throws Exception {
        Cli base = Cli.run("results", "import", "--suite", "kselftest", captured("timers.tap").toString(), captured("multi.tap").toString(),
                "--results", dir.resolve("base").toString());
        assertEquals(1, base.code(), base.out() + base.err());
        Cli head = Cli.run("results", "import", "--suite", "kselftest", captured("timers-timeout.tap").toString(), captured("multi.tap").toString(),
                "--results", dir.resolve("head").toString(), "--baseline", dir.resolve("base").toString());
        assertEquals(1, head.code(), head.out());
        Path page = dir.resolve("head/results.html");
        assertTrue(Files.isRegularFile(page), "results import writes results.html beside results.json");
        String html = Files.readString(page);
        assertTrue(!html.contains("http://") && !html.contains("https://") && !html.contains(" src="), "self-contained: nothing is fetched");
        int tests = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("head/results.json").toFile()).path("tests").size();

        try (Chromium c = Chromium.start(dir.resolve("profile"))) {
            c.open(page);
            assertEquals(tests, c.eval("document.querySelectorAll('#results tr.test').length").asInt());
            assertEquals(tests, c.eval("Array.from(document.querySelectorAll('#results tr.test')).filter(r => !r.hidden).length").asInt(),
                    "every test is shown");
            assertEquals(tests + " of " + tests + " shown", c.eval("document.getElementById('shown').textContent").asText());
            assertTrue(c.eval("document.getElementById('verdict').textContent").asText().startsWith("FAILED: 1 regression in 23 tests"),
                    c.eval("document.getElementById('verdict').textContent").asText());

            // Regressions first, before the persistent failures.
            assertEquals(List.of("change-regression", "change-persistent-failure"),
                    texts(c.eval("Array.from(document.querySelectorAll('#comparison h3')).map(h => h.id)")));
            assertEquals(List.of("kselftest/timers/raw_skew"),
                    texts(c.eval("Array.from(document.querySelectorAll('#change-regression + ul a')).map(a => a.textContent)")));

            // FAIL leaves only the failures.
            c.click("#status-filters button[data-filter=fail]");
            assertEquals(List.of("kselftest/breakpoints/step_after_suspend_test", "kselftest/exec/execveat"),
                    texts(c.eval("Array.from(document.querySelectorAll('#results tr.test')).filter(r => !r.hidden).map(r => r.dataset.id).sort()")));
            assertEquals("2 of " + tests + " shown", c.eval("document.getElementById('shown').textContent").asText());

            // A click opens the test's excerpt.
            assertTrue(c.eval("document.querySelector(\"tr.test[data-id='kselftest/exec/execveat']\").nextElementSibling.hidden").asBoolean());
            c.click("tr.test[data-id='kselftest/exec/execveat']");
            assertTrue(c.eval("document.querySelector(\"tr.test[data-id='kselftest/exec/execveat']\").nextElementSibling.hidden").asBoolean() == false);
            assertTrue(c.eval("document.querySelector(\"tr.test[data-id='kselftest/exec/execveat']\").nextElementSibling.textContent").asText()
                    .contains("Check success of execveat"), "the excerpt is the test's output");
            c.screenshot(KbootProcess.REPO.resolve("cli/target/screenshots/results-html-fail-filter.png"));

            // Text filter and sorting by time.
            c.click("#status-filters button[data-filter=all]");
            c.eval("(function(){var i=document.getElementById('text-filter');i.value='exec/';i.dispatchEvent(new Event('input'));})()");
            assertTrue(texts(c.eval("Array.from(document.querySelectorAll('#results tr.test')).filter(r => !r.hidden).map(r => r.dataset.id)"))
                    .stream().allMatch(id -> id.contains("exec/")));
            c.eval("(function(){var i=document.getElementById('text-filter');i.value='';i.dispatchEvent(new Event('input'));})()");
            c.click("#results th[data-key=ms]");
            c.click("#results th[data-key=ms]");
            List<String> ms = texts(c.eval("Array.from(document.querySelectorAll('#results tr.test')).map(r => r.dataset.ms)"));
            for (int k = 1; k < ms.size(); k++) {
                assertTrue(Long.parseLong(ms.get(k - 1)) >= Long.parseLong(ms.get(k)), "sorted by time, longest first: " + ms);
            }
            assertTrue(c.eval("Array.from(document.querySelectorAll('#results tr.test')).every(r => r.nextElementSibling.classList.contains('detail'))")
                    .asBoolean(), "each test keeps its detail row when sorted");
            c.screenshot(KbootProcess.REPO.resolve("cli/target/screenshots/results-html.png"));
            assertEquals(List.of(), c.errors(), "no console errors");
        }
    }

    @Test
    void resultsHtmlRewritesThePageAndTakesABaseline() throws Exception {
        assertEquals(0, Cli.run("results", "import", "--suite", "kselftest", captured("timers.tap").toString(),
                "--results", dir.resolve("base").toString()).code());
        assertEquals(1, Cli.run("results", "import", "--suite", "kselftest", captured("timers-timeout.tap").toString(),
                "--results", dir.resolve("head").toString()).code());
        Files.delete(dir.resolve("head/results.html"));
        Cli r = Cli.run("results", "html", dir.resolve("head").toString(), "--baseline", dir.resolve("base").toString(), "-o", dir.resolve("page.html").toString());
        assertEquals(0, r.code(), r.err());
        String html = Files.readString(dir.resolve("page.html"));
        assertTrue(html.contains("id=\"change-regression\""), "the comparison with --baseline");
        assertEquals(66, Cli.run("results", "html", dir.resolve("nowhere").toString()).code());
        Files.writeString(dir.resolve("bad.json"), "{\"schema\": \"kboot-results/1\", \"run\": {}, \"tests\": 3}");
        Cli bad = Cli.run("results", "html", dir.resolve("bad.json").toString());
        assertEquals(65, bad.code());
        assertTrue(bad.err().contains("bad.json: key 'tests'"), bad.err());
    }
}
