package dev.kboot.harness.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link KunitParser} against the kernel's own KUnit parser tests: each test here is one of
 * {@code tools/testing/kunit/kunit_tool_test.py}'s {@code KUnitParserTest} cases, on the same
 * {@code test_data} file, with kunit.py's expected status and counts in kboot's terms (the mapping is in
 * docs/verdicts.md: kunit.py's SUCCESS is every case PASS or SKIP, FAILURE a FAIL, TEST_CRASHED a case
 * the output never finished (MISS), NO_TESTS and FAILURE_TO_PARSE_TESTS an {@code (output)} result that
 * is not a pass; its {@code passed}, {@code failed}, {@code skipped} and {@code errors} counts are
 * kboot's PASS, FAIL, SKIP and ERROR results). Files under {@code kunit-tool/} are from torvalds/linux
 * (README there); those under {@code captured/kunit/} from Debian's linux-source-6.1.
 */
class KunitToolTest {
    private static List<TestResult> parse(String file) {
        try {
            Path p = file.startsWith("kunit/") ? Captured.path(file)
                    : Path.of(KunitToolTest.class.getResource("/kunit-tool/" + file).toURI());
            return KunitParser.parse(Files.readString(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<Status, Integer> counts(List<TestResult> r) {
        Map<Status, Integer> m = new EnumMap<>(Status.class);
        r.forEach(t -> m.merge(t.status(), 1, Integer::sum));
        return m;
    }

    private static void success(List<TestResult> r) {
        assertTrue(r.stream().allMatch(t -> t.status() == Status.PASS || t.status() == Status.SKIP), r.toString());
        assertTrue(r.stream().anyMatch(t -> t.status() == Status.PASS), "SUCCESS has at least one pass");
    }

    private static String firstSuite(List<TestResult> r) {
        return r.get(0).id().segments().get(1);
    }

    @Test
    void parseSuccessfulTestLog() {
        List<TestResult> r = parse("test_is_test_passed-all_passed.log");
        success(r);
        assertEquals(10, r.size());
    }

    @Test
    void parseSuccessfulNestedTestsLogHasThreeLevels() {
        List<TestResult> r = parse("kunit/test_is_test_passed-all_passed_nested.log");
        success(r);
        assertEquals(0, counts(r).getOrDefault(Status.ERROR, 0));
        assertEquals("kunit/sysctl_test/example/example_simple_test", r.get(1).id().toString(), "a suite inside a suite, tab-indented");
        assertEquals(7, r.size(), "3 sysctl_test cases, the 2 of the suite inside it, the 2 of example");
    }

    @Test
    void kselftestNested() {
        success(parse("kunit/test_is_test_passed-kselftest.log"));
    }

    @Test
    void parseFailedTestLog() {
        List<TestResult> r = parse("kunit/test_is_test_passed-failure.log");
        assertEquals(1, counts(r).get(Status.FAIL));
        assertEquals(0, counts(r).getOrDefault(Status.ERROR, 0));
    }

    @Test
    void parseFailedNestedTestsLog() {
        // results indented deeper than their own KTAP version and plan lines; a parent not ok whose only case passed
        List<TestResult> r = parse("test_is_test_passed-failure-nested.log");
        assertEquals(2, counts(r).get(Status.FAIL), "kunit.py: counts.failed == 2");
        assertEquals(List.of("PASS kunit/subtest 1/test 1", "FAIL kunit/subtest 1", "FAIL kunit/subtest 2/subsubtest 1"),
                r.stream().map(t -> t.status() + " " + t.id()).toList());
        assertEquals("reported not ok although none of its 1 subtest failed", r.get(1).reason());
    }

    @Test
    void noHeader() {
        List<TestResult> r = parse("kunit/test_is_test_passed-no_tests_run_no_header.log");
        assertEquals(1, r.size(), "kunit.py: FAILURE_TO_PARSE_TESTS, 0 subtests, 1 error");
        assertEquals("kunit/(output)", r.get(0).id().toString());
        assertEquals(Status.MISS, r.get(0).status(), "no KTAP at all: KUnit never ran, the run is incomplete");
    }

    @Test
    void missingTestPlan() {
        List<TestResult> r = parse("kunit/test_is_test_passed-missing_plan.log");
        assertEquals(Map.of(Status.PASS, 10), counts(r), "kunit.py: TestCounts(passed=10, errors=0)");
    }

    @Test
    void noTests() {
        List<TestResult> r = parse("test_is_test_passed-no_tests_run_with_header.log");
        assertEquals(List.of("ERROR kunit/(output)"), r.stream().map(t -> t.status() + " " + t.id()).toList(),
                "kunit.py: NO_TESTS, 0 subtests, 1 error");
    }

    @Test
    void noTestsNoPlanIsAnEmptySubtest() {
        List<TestResult> r = parse("test_is_test_passed-no_tests_no_plan.log");
        assertEquals(List.of("ERROR kunit/suite/case"), r.stream().map(t -> t.status() + " " + t.id()).toList(),
                "kunit.py: suite.case is NO_TESTS, counts errors=1");
    }

    @Test
    void skippedTest() {
        assertEquals(Map.of(Status.PASS, 4, Status.SKIP, 1), counts(parse("kunit/test_skip_tests.log")), "kunit.py: passed=4, skipped=1");
    }

    @Test
    void skippedAllTests() {
        assertEquals(Map.of(Status.SKIP, 5), counts(parse("test_skip_all_tests.log")), "kunit.py: SKIPPED, skipped=5");
    }

    @Test
    void ignoresHyphen() {
        List<TestResult> r = parse("test_strip_hyphen.log");
        success(r);
        assertEquals("sysctl_test", firstSuite(r));
        assertEquals("example", r.get(1).id().segments().get(1));
        assertEquals("example_simple_test", r.get(1).id().name(), "'ok 1 example_simple_test' without the hyphen");
    }

    @Test
    void ignoresPrefixes() {
        for (String f : List.of("test_config_printk_time.log", "kunit/test_multiple_prefixes.log", "kunit/test_interrupted_tap_output.log",
                "kunit/test_pound_sign.log", "test_pound_no_prefix.log")) {
            List<TestResult> r = parse(f);
            success(r);
            assertEquals("kunit-resource-test", firstSuite(r), f);
            assertEquals(10, r.size(), f);
        }
    }

    @Test
    void kernelPanicEnd() {
        List<TestResult> r = parse("kunit/test_kernel_panic_interrupt.log");
        assertEquals("kunit-resource-test", firstSuite(r));
        assertEquals(List.of(Status.MISS, Status.MISS), r.subList(8, 10).stream().map(TestResult::status).toList(),
                "kunit.py: TEST_CRASHED; the unfinished cases are never failures");
        assertTrue(r.stream().noneMatch(t -> t.status() == Status.FAIL));
    }

    @Test
    void aCaseKunitCaughtCrashingFailsWithThatReason() {
        List<TestResult> r = parse("test_is_test_passed-crash.log");
        TestResult c = r.stream().filter(t -> t.id().name().equals("example_simple_test")).findFirst().orElseThrow();
        assertEquals(Status.FAIL, c.status());
        assertEquals("example_simple_test: kunit test case crashed!", c.reason());
    }

    @Test
    void parseSubtestHeaderAndAttributes() {
        assertEquals(List.of("PASS kunit/suite/test"), parse("kunit/test_parse_subtest_header.log").stream().map(t -> t.status() + " " + t.id()).toList());
        assertEquals(List.of("PASS kunit/suite/test"), parse("test_parse_attributes.log").stream().map(t -> t.status() + " " + t.id()).toList(),
                "kunit.py: passed=1, errors=0");
    }

    @Test
    void outputIsolatedCorrectly() {
        List<TestResult> r = parse("test_output_isolated_correctly.log");
        assertEquals(List.of("kunit/example/example_simple_test", "kunit/example/example_mock_test"), r.stream().map(t -> t.id().toString()).toList());
        success(r);
    }

    @Test
    void summarizeFailures() {
        List<TestResult> r = parse("inline_summarize_failures.ktap");
        assertEquals(List.of("kunit/all_failed_suite/test1", "kunit/all_failed_suite/test2", "kunit/some_failed_suite/test2"),
                r.stream().filter(t -> t.status() == Status.FAIL).map(t -> t.id().toString()).toList(),
                "kunit.py: 'Failures: all_failed_suite, some_failed_suite.test2'");
    }

    @Test
    void showTestOutputOnFailure() {
        List<TestResult> r = parse("inline_show_test_output_on_failure.ktap");
        assertEquals(Status.FAIL, r.get(0).status());
        assertTrue(r.get(0).excerpt().contains("Test output.") && r.get(0).excerpt().contains("  Indented more."), r.get(0).excerpt());
    }

    @Test
    void lateTestPlanMeansACrash() {
        List<TestResult> r = parse("inline_parse_late_test_plan.ktap");
        assertEquals(List.of("PASS kunit/test4", "MISS kunit/#1", "MISS kunit/#2", "MISS kunit/#3"),
                r.stream().map(t -> t.status() + " " + t.id()).toList(),
                "kunit.py: TEST_CRASHED (passed=1, crashed=1, errors=1); kboot names each test the plan promised and never got");
    }
}
