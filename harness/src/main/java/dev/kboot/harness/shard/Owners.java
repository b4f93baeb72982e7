package dev.kboot.harness.shard;

import dev.kboot.harness.model.TestId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which shard a test result belongs to, under a partition of test ids: the part of the unit whose
 * key is the test's id (kselftest, command), else the one part holding every unit of the test's
 * suite (a suite run as one unit, fstests, blktests, LTP, whose results have ids of their own).
 */
public final class Owners {
    private final Partition partition;
    private final Map<String, Integer> suitePart = new HashMap<>();

    /** @param partition a partition whose unit keys are test ids ({@code suite/...}) */
    public Owners(Partition partition) {
        this.partition = partition;
        Map<String, Set<Integer>> parts = new HashMap<>();
        for (Partition.Unit u : partition.units()) {
            String suite = TestId.parse(u.key()).suite();
            parts.computeIfAbsent(suite, k -> new HashSet<>()).add(partition.partOf(u.key()));
        }
        parts.forEach((suite, ps) -> {
            if (ps.size() == 1) {
                suitePart.put(suite, ps.iterator().next());
            }
        });
    }

    /**
     * @param id a test id
     * @return its part, 1 to count, or empty when the partition does not say (a suite split over
     *         several parts and a test that is none of its units, or a suite it does not hold)
     */
    public Optional<Integer> of(TestId id) {
        Optional<Integer> exact = partition.find(id.toString());
        return exact.isPresent() ? exact : Optional.ofNullable(suitePart.get(id.suite()));
    }
}
