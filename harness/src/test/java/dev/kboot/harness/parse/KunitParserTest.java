package dev.kboot.harness.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** KUnit console logs from linux tools/testing/kunit/test_data (kunit_tool's own fixtures). */
class KunitParserTest {
    private static List<String> lines(List<TestResult> r) {
        return r.stream().map(t -> t.status() + " " + t.id()).toList();
    }

    @Test
    void timestampsAndConsoleNoiseAreStripped() {
        List<TestResult> r = KunitParser.parse(Captured.text("kunit/test_interrupted_tap_output.log"));
        assertEquals(10, r.size());
        assertTrue(r.stream().allMatch(t -> t.status() == Status.PASS));
        assertEquals("kunit/kunit-resource-test/kunit_resource_test_init_resources", r.get(0).id().toString());
        assertEquals("kunit/string-stream-test/string_stream_test_get_string", r.get(9).id().toString());
        assertEquals(lines(r), lines(KunitParser.parse(Captured.text("kunit/test_multiple_prefixes.log"))), "[ts][T1] prefixes");
        assertEquals(lines(r), lines(KunitParser.parse(Captured.text("kunit/test_pound_sign.log"))));
    }

    @Test
    void aFailedCaseNamesTheExpectation() {
        List<TestResult> r = KunitParser.parse(Captured.text("kunit/test_is_test_passed-failure.log"));
        TestResult f = r.stream().filter(t -> t.status() == Status.FAIL).findFirst().orElseThrow();
        assertEquals("kunit/example/example_simple_test", f.id().toString());
        assertEquals("not ok 1 - example_simple_test", f.rawStatus());
        assertEquals("example_simple_test: EXPECTATION FAILED at lib/kunit/example-test.c:30", f.reason());
        assertEquals(9, r.stream().filter(t -> t.status() == Status.PASS).count());
    }

    @Test
    void skipsKeepTheirReason() {
        TestResult s = KunitParser.parse(Captured.text("kunit/test_skip_tests.log")).get(4);
        assertEquals(Status.SKIP, s.status());
        assertEquals("this test should be skipped", s.reason());
    }

    @Test
    void aPanicCutsTheSuiteShort() {
        List<TestResult> r = KunitParser.parse(Captured.text("kunit/test_kernel_panic_interrupt.log"));
        assertEquals(List.of("PASS kunit/string-stream-test/string_stream_test_empty_on_creation", "MISS kunit/string-stream-test/#2",
                "MISS kunit/string-stream-test/#3"), lines(r).subList(7, 10));
        assertEquals("the output ended while it ran ('string-stream-test': plan said 3 tests, output ended after 1)", r.get(8).reason());
    }

    @Test
    void noKtapOnTheConsoleIsAMissNotAnError() {
        List<TestResult> r = KunitParser.parse(Captured.text("kunit/test_is_test_passed-no_tests_run_no_header.log"));
        assertEquals(1, r.size());
        assertEquals(Status.MISS, r.get(0).status());
        assertTrue(r.get(0).reason().startsWith("no KUnit KTAP output on the console"), r.get(0).reason());
    }

    @Test
    void missingPlanAndNestedSuites() {
        assertEquals(10, KunitParser.parse(Captured.text("kunit/test_is_test_passed-missing_plan.log")).size());
        List<TestResult> nested = KunitParser.parse(Captured.text("kunit/test_is_test_passed-all_passed_nested.log"));
        assertTrue(lines(nested).contains("PASS kunit/sysctl_test/example/example_mock_test"), "a suite inside a suite: its cases are results");
        assertEquals(List.of("PASS kunit/suite/test"), lines(KunitParser.parse(Captured.text("kunit/test_parse_subtest_header.log"))));
    }
}
