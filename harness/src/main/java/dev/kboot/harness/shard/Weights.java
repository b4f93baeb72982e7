package dev.kboot.harness.shard;

import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.report.ResultsJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a partition's units: equal (1 each) without history, or the durations of an
 * earlier run ({@code kboot test --balance RESULTS_JSON}) so that shards finish together.
 *
 * <p>With an earlier run, in ms and at least 1: a test it timed weighs its duration; a suite run as
 * one unit (fstests, blktests, LTP) weighs the sum of the durations of that suite's tests, shared
 * by the run's units of that suite (one per {@code --suite} of it, e.g. one per fstests section);
 * a test it did not time (new, or MISS/EXPUNGED there) weighs the median duration of its suite's
 * timed tests there, else the median of all its timed tests, else 1.
 *
 * @param source    where the durations came from, for the record, or null for equal weights
 * @param durations test id to ms, from the earlier run (empty for equal weights)
 */
public record Weights(String source, Map<TestId, Long> durations) {
    /** Copies the map. */
    public Weights {
        durations = Map.copyOf(durations);
    }

    /** @return equal weights: every unit weighs 1 */
    public static Weights equal() {
        return new Weights(null, Map.of());
    }

    /**
     * @param earlier an earlier run of the same suites
     * @param source  where it came from, recorded in the shards' results
     * @return weights from its durations
     */
    public static Weights of(RunResult earlier, String source) {
        Map<TestId, Long> d = new LinkedHashMap<>();
        for (TestResult t : earlier.tests()) {
            if (t.durationMs() != null) {
                d.put(t.id(), Math.max(1, t.durationMs()));
            }
        }
        return new Weights(source, d);
    }

    /**
     * Reads {@code --balance}.
     *
     * @param file a results.json or its directory
     * @return weights from its durations
     * @throws dev.kboot.launcher.KbootException 66 if missing, 65 naming the field if malformed
     */
    public static Weights read(Path file) {
        return of(ResultsJson.read(file), file.toString());
    }

    /** @return whether every unit weighs the same (no earlier run) */
    public boolean isEqual() {
        return source == null;
    }

    /**
     * @param id a planned test
     * @return its weight: 1 with equal weights; else its duration in the earlier run, or the median
     *         of its suite's timed tests there, or of all of them, or 1
     */
    public long test(TestId id) {
        if (isEqual()) {
            return 1;
        }
        Long known = durations.get(id);
        return known != null ? known : typical(id.suite());
    }

    /**
     * @param suite a suite run as one unit per selection (fstests, blktests, LTP)
     * @param units how many such units the run has for it (one per {@code --suite} of it)
     * @return one unit's weight: 1 with equal weights; else the sum of the durations of the suite's
     *         tests in the earlier run shared equally by its units (at least 1), or the typical test's
     *         weight when the earlier run did not time the suite
     */
    public long wholeSuite(String suite, int units) {
        if (isEqual()) {
            return 1;
        }
        return Math.max(1, suiteTotal(suite) / Math.max(1, units));
    }

    private long suiteTotal(String suite) {
        long sum = 0;
        for (Map.Entry<TestId, Long> e : durations.entrySet()) {
            if (e.getKey().suite().equals(suite)) {
                sum += e.getValue();
            }
        }
        return sum > 0 ? sum : typical(suite);
    }

    private long typical(String suite) {
        Map<Boolean, List<Long>> bySuite = new HashMap<>();
        for (Map.Entry<TestId, Long> e : durations.entrySet()) {
            bySuite.computeIfAbsent(e.getKey().suite().equals(suite), k -> new ArrayList<>()).add(e.getValue());
        }
        List<Long> same = bySuite.getOrDefault(true, List.of());
        if (!same.isEmpty()) {
            return median(same);
        }
        return durations.isEmpty() ? 1 : median(new ArrayList<>(durations.values()));
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
