package dev.kboot.harness.baseline;

import dev.kboot.harness.model.Incident;
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
 * A run set against a baseline run, test by test and kernel crash by kernel crash.
 *
 * @param tests   every test of either run: head's in head order, then those only in the baseline
 * @param crashes every kernel incident title of either run (incidents a test provoked on purpose left
 *                out): head's in order of first sighting, then those only in the baseline
 */
public record Comparison(List<Entry> tests, List<Crash> crashes) {
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

    /**
     * One kernel incident title's movement: a title seen only in this run is a REGRESSION (a new crash
     * or warning), in both runs PERSISTENT_FAILURE, only in the baseline FIXED.
     *
     * @param title     the incident's title ({@code KASAN: use-after-free Read in aead_recvmsg})
     * @param signature its kind ({@code KASAN})
     * @param fatal     whether it crashed the kernel
     * @param where     the tests it was seen during in this run (or in the baseline when it is FIXED);
     *                  {@link #NO_TEST} for one seen while no test ran
     * @param change    REGRESSION, PERSISTENT_FAILURE or FIXED
     */
    public record Crash(String title, String signature, boolean fatal, List<String> where, Change change) {
        /** The {@code where} of an incident seen while no test ran. */
        public static final String NO_TEST = "no test running";

        /** Copies the list. */
        public Crash {
            where = List.copyOf(where);
        }
    }

    /** Copies the lists. */
    public Comparison {
        tests = List.copyOf(tests);
        crashes = crashes == null ? List.of() : List.copyOf(crashes);
    }

    /** A comparison of tests alone. */
    public Comparison(List<Entry> tests) {
        this(tests, List.of());
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
        return new Comparison(out, crashes(base, head));
    }

    /** Every unexpected incident title of each run, with where it was seen. */
    private static Map<String, Crash> sightings(RunResult run, Change change) {
        Map<String, Crash> m = new LinkedHashMap<>();
        for (TestResult t : run.tests()) {
            for (Incident i : t.incidents()) {
                see(m, i, t.id().toString(), change);
            }
        }
        for (Incident i : run.incidents()) {
            see(m, i, Crash.NO_TEST, change);
        }
        return m;
    }

    private static void see(Map<String, Crash> m, Incident i, String where, Change change) {
        if (i.expected()) {
            return;
        }
        Crash c = m.get(i.title());
        List<String> w = new ArrayList<>(c == null ? List.of() : c.where());
        if (!w.contains(where)) {
            w.add(where);
        }
        m.put(i.title(), new Crash(i.title(), i.signature(), i.fatal() || c != null && c.fatal(), w, change));
    }

    private static List<Crash> crashes(RunResult base, RunResult head) {
        Map<String, Crash> b = sightings(base, Change.FIXED);
        Map<String, Crash> h = sightings(head, Change.REGRESSION);
        List<Crash> out = new ArrayList<>();
        for (Crash c : h.values()) {
            out.add(b.containsKey(c.title()) ? new Crash(c.title(), c.signature(), c.fatal(), c.where(), Change.PERSISTENT_FAILURE) : c);
        }
        for (Crash c : b.values()) {
            if (!h.containsKey(c.title())) {
                out.add(c);
            }
        }
        return out;
    }

    /** @return the crashes with this change, in order */
    public List<Crash> crashesWith(Change c) {
        return crashes.stream().filter(x -> x.change() == c).toList();
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
