package dev.kboot.harness.shard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A deterministic partition of units of work (tests, or whole suites) into {@code count} parts,
 * balanced by the units' weights with the longest-processing-time-first rule (LPT, Graham 1969):
 * units are taken heaviest first, ties broken by key, and each goes to the part with the least
 * load so far, ties broken by the lower part number.
 *
 * <p>The result depends only on the <em>set</em> of (key, weight) pairs and on {@code count}: the
 * same inputs in any order give the same parts on every host, which is what lets {@code kboot test
 * --shard I/N} run on N hosts that never talk to each other. Units with the same key are one unit
 * (their weights add up), so they always land in the same part.
 *
 * <p>Balance, the documented bound (docs/scale-out.md): the loads of any two parts differ by at
 * most the heaviest unit's weight ({@code max load - min load <= max weight}); with equal weights
 * the parts' sizes differ by at most one unit; and the heaviest part is within
 * {@code 4/3 - 1/(3 count)} of the best possible partition (Graham's bound for LPT).
 *
 * <p>Used for {@code kboot test --shard} (one part per host) and usable in-process
 * ({@link #split}) to spread tests over several guests on one host.
 */
public final class Partition {
    /** The version of the partition rule, part of every {@link #fingerprint}. */
    public static final String RULE = "kboot-partition/1 lpt";

    /**
     * One unit of work.
     *
     * @param key    its identity, unique among the units ({@code kselftest/timers/nanosleep}, {@code fstests/(run)})
     * @param weight its expected cost (ms of an earlier run, or 1 when unknown); at least 0
     */
    public record Unit(String key, long weight) {
        /** Checks the key and the weight. */
        public Unit {
            Objects.requireNonNull(key, "key");
            if (key.isEmpty() || key.indexOf('\n') >= 0 || key.indexOf('\t') >= 0) {
                throw new IllegalArgumentException("a unit key must be non-empty and hold no tab or newline: '" + key + "'");
            }
            if (weight < 0) {
                throw new IllegalArgumentException("negative weight " + weight + " for " + key);
            }
        }
    }

    private final int count;
    private final List<Unit> units;
    private final Map<String, Integer> partOf;
    private final long[] loads;

    private Partition(int count, List<Unit> units, Map<String, Integer> partOf, long[] loads) {
        this.count = count;
        this.units = units;
        this.partOf = partOf;
        this.loads = loads;
    }

    /**
     * Partitions {@code units} into {@code count} parts.
     *
     * @param units the units, in any order (kept in this order, duplicates merged at their first place)
     * @param count how many parts, at least 1
     * @return the partition
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public static Partition of(List<Unit> units, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a partition needs at least one part, not " + count);
        }
        Map<String, Long> merged = new LinkedHashMap<>();
        for (Unit u : units) {
            merged.merge(u.key(), u.weight(), Partition::addSaturated);
        }
        List<Unit> distinct = new ArrayList<>(merged.size());
        merged.forEach((k, w) -> distinct.add(new Unit(k, w)));
        List<Unit> order = new ArrayList<>(distinct);
        order.sort((a, b) -> a.weight() != b.weight() ? Long.compare(b.weight(), a.weight()) : a.key().compareTo(b.key()));
        long[] loads = new long[count];
        Map<String, Integer> partOf = new LinkedHashMap<>();
        for (Unit u : order) {
            int best = 0;
            for (int p = 1; p < count; p++) {
                if (loads[p] < loads[best]) {
                    best = p;
                }
            }
            loads[best] = addSaturated(loads[best], u.weight());
            partOf.put(u.key(), best + 1);
        }
        return new Partition(count, Collections.unmodifiableList(distinct), partOf, loads);
    }

    private static long addSaturated(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    /**
     * Splits items into {@code count} lists by {@link #of} over their keys and weights, for
     * in-process use (several guests on one host). Items with the same key go to the same list.
     *
     * @param items  the items, each list keeps their order
     * @param key    an item's unit key
     * @param weight an item's weight (at least 0)
     * @param count  how many lists, at least 1
     * @param <T>    the item type
     * @return {@code count} lists (some possibly empty), part 1 first
     */
    public static <T> List<List<T>> split(List<T> items, Function<T, String> key, ToLongFunction<T> weight, int count) {
        List<Unit> us = new ArrayList<>();
        for (T t : items) {
            us.add(new Unit(key.apply(t), weight.applyAsLong(t)));
        }
        Partition p = of(us, count);
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new ArrayList<>());
        }
        for (T t : items) {
            out.get(p.partOf(key.apply(t)) - 1).add(t);
        }
        return out;
    }

    /** @return how many parts */
    public int count() {
        return count;
    }

    /** @return the distinct units, in the order first given */
    public List<Unit> units() {
        return units;
    }

    /**
     * @param key a unit's key
     * @return its part, 1 to {@link #count}
     * @throws IllegalArgumentException if no unit has that key
     */
    public int partOf(String key) {
        Integer p = partOf.get(key);
        if (p == null) {
            throw new IllegalArgumentException("no unit " + key + " in this partition");
        }
        return p;
    }

    /** @return the part of the unit with this key, if there is one */
    public Optional<Integer> find(String key) {
        return Optional.ofNullable(partOf.get(key));
    }

    /**
     * @param part 1 to {@link #count}
     * @return the units of that part, in the order first given
     */
    public List<Unit> part(int part) {
        checkPart(part);
        return units.stream().filter(u -> partOf.get(u.key()) == part).toList();
    }

    /**
     * @param part 1 to {@link #count}
     * @return the sum of its units' weights
     */
    public long load(int part) {
        checkPart(part);
        return loads[part - 1];
    }

    /** @return every part's load, part 1 first */
    public long[] loads() {
        return Arrays.copyOf(loads, loads.length);
    }

    private void checkPart(int part) {
        if (part < 1 || part > count) {
            throw new IllegalArgumentException("part " + part + " is not in 1.." + count);
        }
    }

    /**
     * The partition's identity: SHA-256 over {@link #RULE}, {@code count} and the units' keys and
     * weights sorted by key. Two hosts with the same fingerprint ran the same partition.
     *
     * @return {@code sha256:} and 64 hex digits
     */
    public String fingerprint() {
        return fingerprint(units, count);
    }

    /**
     * @param units the units (any order; duplicate keys are summed as {@link #of} does)
     * @param count how many parts
     * @return what {@code Partition.of(units, count).fingerprint()} returns, without partitioning
     */
    public static String fingerprint(List<Unit> units, int count) {
        Map<String, Long> merged = new java.util.TreeMap<>();
        for (Unit u : units) {
            merged.merge(u.key(), u.weight(), Partition::addSaturated);
        }
        StringBuilder b = new StringBuilder(RULE).append('\n').append("count ").append(count).append('\n');
        merged.forEach((k, w) -> b.append(k).append('\t').append(w).append('\n'));
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
