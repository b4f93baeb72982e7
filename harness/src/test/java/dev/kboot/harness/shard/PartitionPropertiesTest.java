package dev.kboot.harness.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Property tests of {@link Partition} (jqwik): for random test lists and every shard count from 1
 * to 16, the shards are a partition of the tests, do not depend on the order the tests were
 * planned in, and are balanced within the documented bound (docs/scale-out.md).
 */
class PartitionPropertiesTest {
    /** Random test lists: kselftest-like ids, some weights from a run's durations, some equal, duplicates allowed. */
    @Provide
    Arbitrary<List<Partition.Unit>> tests() {
        Arbitrary<String> id = Combinators.combine(
                Arbitraries.of("kselftest", "command", "kunit", "fstests", "ltp"),
                Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('_', '-', '.', '#', '(', ')').ofMinLength(1).ofMaxLength(12),
                Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('_', '-', '/').ofMinLength(1).ofMaxLength(16))
                .as((s, c, t) -> s + "/" + c + "/" + t);
        Arbitrary<Long> weight = Arbitraries.oneOf(Arbitraries.just(1L), Arbitraries.longs().between(0, 600_000),
                Arbitraries.longs().between(1, 50));
        return Combinators.combine(id, weight).as(Partition.Unit::new).list().ofMinSize(0).ofMaxSize(300);
    }

    @Property(tries = 200)
    void theShardsArePartition(@ForAll("tests") List<Partition.Unit> tests, @ForAll @IntRange(min = 1, max = 16) int n) {
        Partition p = Partition.of(tests, n);
        Set<String> keys = new HashSet<>();
        tests.forEach(u -> keys.add(u.key()));
        Set<String> seen = new HashSet<>();
        for (int i = 1; i <= n; i++) {
            for (Partition.Unit u : p.part(i)) {
                assertTrue(seen.add(u.key()), u.key() + " is in two shards");
                assertEquals(i, p.partOf(u.key()));
            }
        }
        assertEquals(keys, seen, "every test is in a shard, and nothing else is");
        assertEquals(n, p.loads().length);
        long total = tests.stream().mapToLong(Partition.Unit::weight).sum();
        long loads = 0;
        for (long l : p.loads()) {
            loads += l;
        }
        assertEquals(total, loads, "the shards' loads add up to the tests' weights");
    }

    @Property(tries = 200)
    void theShardsDoNotDependOnTheOrderOfTheTests(@ForAll("tests") List<Partition.Unit> tests, @ForAll @IntRange(min = 1, max = 16) int n,
                                                   @ForAll long seed) {
        List<Partition.Unit> shuffled = new ArrayList<>(tests);
        Collections.shuffle(shuffled, new Random(seed));
        Partition a = Partition.of(tests, n);
        Partition b = Partition.of(shuffled, n);
        for (Partition.Unit u : tests) {
            assertEquals(a.partOf(u.key()), b.partOf(u.key()), u.key());
        }
        assertEquals(a.fingerprint(), b.fingerprint());
        for (int i = 1; i <= n; i++) {
            assertEquals(a.load(i), b.load(i));
        }
    }

    @Property(tries = 200)
    void theShardsAreBalancedWithinTheHeaviestTest(@ForAll("tests") List<Partition.Unit> tests, @ForAll @IntRange(min = 1, max = 16) int n) {
        Partition p = Partition.of(tests, n);
        long max = Long.MIN_VALUE;
        long min = Long.MAX_VALUE;
        for (long l : p.loads()) {
            max = Math.max(max, l);
            min = Math.min(min, l);
        }
        long heaviest = p.units().stream().mapToLong(Partition.Unit::weight).max().orElse(0);
        assertTrue(max - min <= heaviest, "loads " + java.util.Arrays.toString(p.loads()) + " differ by more than the heaviest test " + heaviest);
    }

    @Property(tries = 200)
    void withEqualWeightsTheShardSizesDifferByAtMostOne(@ForAll("tests") List<Partition.Unit> tests, @ForAll @IntRange(min = 1, max = 16) int n) {
        List<Partition.Unit> equal = tests.stream().map(Partition.Unit::key).distinct().map(k -> new Partition.Unit(k, 1)).toList();
        Partition p = Partition.of(equal, n);
        int max = 0;
        int min = Integer.MAX_VALUE;
        for (int i = 1; i <= n; i++) {
            max = Math.max(max, p.part(i).size());
            min = Math.min(min, p.part(i).size());
        }
        assertTrue(max - min <= 1, "sizes " + min + ".." + max);
    }

    /** Graham's bound for LPT, against the best partition found by trying them all (small inputs). */
    @Property(tries = 200)
    void theLongestShardIsWithinGrahamsBoundOfTheBest(@ForAll("small") List<Long> weights, @ForAll @IntRange(min = 1, max = 4) int n) {
        List<Partition.Unit> units = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            units.add(new Partition.Unit("t/" + i, weights.get(i)));
        }
        long lpt = 0;
        for (long l : Partition.of(units, n).loads()) {
            lpt = Math.max(lpt, l);
        }
        long best = best(weights, n, 0, new long[n]);
        assertTrue(lpt * 3 * n <= best * (4L * n - 1), "LPT " + lpt + " vs best " + best + " for " + weights + " on " + n);
    }

    @Provide
    Arbitrary<List<Long>> small() {
        return Arbitraries.longs().between(1, 1000).list().ofMinSize(1).ofMaxSize(9);
    }

    private static long best(List<Long> w, int n, int i, long[] loads) {
        if (i == w.size()) {
            long m = 0;
            for (long l : loads) {
                m = Math.max(m, l);
            }
            return m;
        }
        long best = Long.MAX_VALUE;
        for (int p = 0; p < n; p++) {
            loads[p] += w.get(i);
            best = Math.min(best, best(w, n, i + 1, loads));
            loads[p] -= w.get(i);
            if (loads[p] == 0) {
                break; // empty shards are interchangeable
            }
        }
        return best;
    }

    @Property(tries = 100)
    void splitKeepsEachListsOrderAndAgreesWithThePartition(@ForAll("tests") List<Partition.Unit> tests, @ForAll @IntRange(min = 1, max = 16) int n) {
        List<List<Partition.Unit>> parts = Partition.split(tests, Partition.Unit::key, Partition.Unit::weight, n);
        Partition p = Partition.of(tests, n);
        assertEquals(n, parts.size());
        int total = 0;
        for (int i = 0; i < n; i++) {
            List<Partition.Unit> part = parts.get(i);
            total += part.size();
            for (Partition.Unit u : part) {
                assertEquals(i + 1, p.partOf(u.key()));
            }
            int part1 = i + 1;
            assertEquals(tests.stream().filter(u -> p.partOf(u.key()) == part1).toList(), part, "each list keeps the items' order");
        }
        assertEquals(tests.size(), total, "every item is in one list (duplicates of a key together)");
    }
}
