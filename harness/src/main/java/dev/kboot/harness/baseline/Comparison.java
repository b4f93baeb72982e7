package dev.kboot.harness.baseline;

import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run set against a baseline run, test by test.
 *
 * @param tests every test of either run: head's in head order, then those only in the baseline
 */
public record Comparison(List<Entry> tests) {
    /**
     * One test's movement.
     *
     * @param id     the test
     * @param base   its status in the baseline, or null if absent there
     * @param head   its status in this run, or null if absent here
     * @param change the classification
     */
    public record Entry(TestId id, Status base, Status head, Change change) {
    }

    /** Copies the list. */
    public Comparison {
        tests = List.copyOf(tests);
    }

    /**
     * Classifies every test: an unstable head result is UNSTABLE; absent in the baseline NEW; absent or
     * MISS in head MISSING; baseline passed (PASS, XPASS) and head failed (FAIL, TIMEOUT, CRASH, ERROR)
     * REGRESSION; baseline failed and head passed FIXED; both failed PERSISTENT_FAILURE; baseline passed
     * and head SKIP or EXPUNGED COVERAGE_LOSS; anything else UNCHANGED (an XFAIL is never a regression).
     *
     * @param base the baseline run
     * @param head this run
     * @return the comparison
     */
    public static Comparison of(RunResult base, RunResult head) {
        Map<TestId, TestResult> b = new LinkedHashMap<>();
        base.tests().forEach(t -> b.put(t.id(), t));
        Map<TestId, TestResult> h = new LinkedHashMap<>();
        head.tests().forEach(t -> h.put(t.id(), t));
        List<Entry> out = new ArrayList<>();
        for (TestResult t : head.tests()) {
            TestResult old = b.get(t.id());
            out.add(new Entry(t.id(), old == null ? null : old.status(), t.status(), classify(old, t)));
        }
        for (TestResult old : base.tests()) {
            if (!h.containsKey(old.id())) {
                out.add(new Entry(old.id(), old.status(), null, old.status() == Status.EXPUNGED ? Change.UNCHANGED : Change.MISSING));
            }
        }
        return new Comparison(out);
    }

    private static Change classify(TestResult base, TestResult head) {
        if (head.unstable()) {
            return Change.UNSTABLE;
        }
        if (base == null) {
            return Change.NEW;
        }
        Status b = base.status();
        Status s = head.status();
        if (s == Status.MISS && b != Status.MISS) {
            return Change.MISSING;
        }
        if (b.passed() && s.failed()) {
            return Change.REGRESSION;
        }
        if (b.failed() && s.passed()) {
            return Change.FIXED;
        }
        if (b.failed() && s.failed()) {
            return Change.PERSISTENT_FAILURE;
        }
        if (b.passed() && (s == Status.SKIP || s == Status.EXPUNGED)) {
            return Change.COVERAGE_LOSS;
        }
        return Change.UNCHANGED;
    }

    /** @return how many tests have each change (every change present, zeros included) */
    public Map<Change, Integer> counts() {
        Map<Change, Integer> m = new EnumMap<>(Change.class);
        for (Change c : Change.values()) {
            m.put(c, 0);
        }
        tests.forEach(e -> m.merge(e.change(), 1, Integer::sum));
        return m;
    }

    /** @return the entries with this change, in order */
    public List<Entry> with(Change c) {
        return tests.stream().filter(e -> e.change() == c).toList();
    }
}
