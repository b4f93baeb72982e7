package dev.kboot.harness.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The KTAP v1 parser on the examples of linux Documentation/dev-tools/ktap.rst and on broken streams. */
class KtapParserTest {
    private static List<TestResult> results(String file, int depth) {
        return Located.results(KtapResults.results(KtapParser.parse(Captured.text(file)), "ktap", depth));
    }

    private static String line(TestResult r) {
        return r.status() + " " + r.id();
    }

    @Test
    void exampleOutputHasTheHierarchyKtapRstDescribes() {
        KtapParser.Document doc = KtapParser.parse(Captured.text("ktap/ktap-rst-example-output.ktap"));
        assertEquals(1, doc.tests().size());
        KtapParser.Test main = doc.tests().get(0);
        assertEquals("main_test", main.name());
        assertEquals(KtapParser.Outcome.NOT_OK, main.outcome());
        assertEquals(List.of("example_test_1", "example_test_2", "example_test_3"), main.subtests().stream().map(KtapParser.Test::name).toList());
        assertEquals(3, main.subtests().get(2).subtests().size());
        assertTrue(doc.problems().isEmpty(), doc.problems().toString());
        // leaves: "test_1 ... passes, and outputs the diagnostic message", test_2 of example_test_3 fails, two skips
        assertEquals(List.of("PASS ktap/main_test/example_test_1/test_1", "SKIP ktap/main_test/example_test_2/test_1",
                "PASS ktap/main_test/example_test_2/test_2", "PASS ktap/main_test/example_test_3/test_1",
                "FAIL ktap/main_test/example_test_3/test_2", "SKIP ktap/main_test/example_test_3/test_3"),
                results("ktap/ktap-rst-example-output.ktap", 3).stream().map(KtapParserTest::line).toList());
        TestResult skipped = results("ktap/ktap-rst-example-output.ktap", 3).get(1);
        assertEquals("test_1 skipped", skipped.reason());
        TestResult failed = results("ktap/ktap-rst-example-output.ktap", 3).get(4);
        assertEquals("test_2: FAIL", failed.reason(), "the diagnostic line before the result");
    }

    @Test
    void aParentFailsWhenASubtestFailsAndSaysWhich() {
        List<TestResult> r = results("ktap/ktap-rst-example-output.ktap", 2);
        assertEquals(List.of("PASS ktap/main_test/example_test_1", "PASS ktap/main_test/example_test_2", "FAIL ktap/main_test/example_test_3"),
                r.stream().map(KtapParserTest::line).toList());
        assertEquals("failed: test_2", r.get(2).reason());
        assertEquals("failed: example_test_3/test_2", results("ktap/ktap-rst-example-output.ktap", 1).get(0).reason());
    }

    @Test
    void twoNestedSubtestsAndMultipleLevels() {
        assertEquals(List.of("PASS ktap/example/test_1", "FAIL ktap/example/test_2"),
                results("ktap/ktap-rst-two-nested-subtests.ktap", 2).stream().map(KtapParserTest::line).toList());
        List<TestResult> levels = results("ktap/ktap-rst-multiple-levels.ktap", 3);
        assertEquals(List.of("FAIL ktap/example_test_1/test_3/test_1", "PASS ktap/example_test_1/test_3/test_2",
                "SKIP ktap/example_test_1/test_4", "PASS ktap/example_test_2"), levels.stream().map(KtapParserTest::line).toList());
    }

    @Test
    void aPlanNotMetGivesMissResultsSayingSo() {
        String text = Captured.text("ktap/ktap-rst-multiple-levels.ktap");
        String cut = String.join("\n", text.lines().toList().subList(0, 7)); // ends inside example_test_1's subtests
        KtapParser.Document doc = KtapParser.parse(cut);
        assertTrue(doc.problems().contains("plan said 2 tests, output ended after 1"), doc.problems().toString());
        List<TestResult> r = Located.results(KtapResults.results(doc, "ktap", 1));
        assertEquals(Status.MISS, r.get(0).status(), "example_test_1 never reported");
        assertEquals(Status.MISS, r.get(1).status(), "example_test_2 was never reached");
        assertTrue(r.get(1).reason().contains("plan said 2 tests, output ended after 1"), r.get(1).reason());
    }

    @Test
    void bailOutEndsTheStream() {
        KtapParser.Document doc = KtapParser.parse("TAP version 13\n1..3\nok 1 a\nBail out! no device\nok 2 b\n");
        List<TestResult> r = Located.results(KtapResults.results(doc, "ktap", 1));
        assertEquals(List.of(Status.PASS, Status.MISS, Status.MISS), r.stream().map(TestResult::status).toList());
        assertTrue(r.get(1).reason().contains("Bail out! no device"), r.get(1).reason());
    }

    @Test
    void noTapIsAnErrorAndNothingIsAMiss() {
        TestResult garbage = results("kselftest/not-tap.txt", 1).get(0);
        assertEquals(Status.ERROR, garbage.status());
        assertEquals("ktap/(output)", garbage.id().toString());
        assertEquals("no TAP/KTAP found in 2 lines of output", garbage.reason());
        TestResult empty = results("kselftest/empty.tap", 1).get(0);
        assertEquals(Status.MISS, empty.status());
        assertEquals("the suite produced no output", empty.reason());
    }

    @Test
    void directivesFollowKtapRst() {
        String tap = "KTAP version 1\n1..7\nok 1 a # SKIP no hw\nnot ok 2 b # TIMEOUT 30 seconds\nnot ok 3 c # ERROR bad\n"
                + "ok 4 d # XFAIL known\nok 5 e # XPASS\nnot ok 6 f # TODO later\nok 5 check return code # rcode=0\n";
        List<TestResult> r = Located.results(KtapResults.results(KtapParser.parse(tap), "ktap", 1));
        assertEquals(List.of(Status.SKIP, Status.TIMEOUT, Status.ERROR, Status.XFAIL, Status.XPASS, Status.XFAIL, Status.PASS),
                r.stream().map(TestResult::status).toList());
        assertEquals("timed out after 30 seconds", r.get(1).reason());
    }
}
