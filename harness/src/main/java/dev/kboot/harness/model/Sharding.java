package dev.kboot.harness.model;

import dev.kboot.harness.shard.Owners;
import dev.kboot.harness.shard.Partition;
import java.util.List;
import java.util.Optional;

/**
 * How a run relates to a partitioned run ({@code kboot test --shard I/N}, {@code kboot results
 * merge}): which shard it is, and the partition's inputs, so that any one shard's results say
 * which tests every other shard was to run (a missing shard's tests become MISS in the merge).
 *
 * @param index   the shard, 1 to {@code count}; 0 for the merge of all shards
 * @param count   how many shards
 * @param units   the partition's inputs (every suite's planned units, in plan order, with their
 *                weights), or null while not known (the guest never got to planning)
 * @param balance where the weights came from ({@code --balance} results), or null for equal weights
 * @param parts   for a merge: one entry per shard, 1 to {@code count}; empty for a shard
 */
public record Sharding(int index, int count, List<Partition.Unit> units, String balance, List<Part> parts) {
    /**
     * One shard as a merge found it.
     *
     * @param index    1 to count
     * @param source   the results directory it came from, or null when it was missing
     * @param finished whether that shard's run reached its end
     */
    public record Part(int index, String source, boolean finished) {
    }

    /** Checks the index and copies the lists. */
    public Sharding {
        if (count < 1 || index < 0 || index > count) {
            throw new IllegalArgumentException("shard " + index + "/" + count);
        }
        units = units == null ? null : List.copyOf(units);
        parts = parts == null ? List.of() : List.copyOf(parts);
    }

    /** @return a shard's record before its partition is known (set when the run starts) */
    public static Sharding startOf(int index, int count, String balance) {
        return new Sharding(index, count, null, balance, List.of());
    }

    /** @return a copy with the partition's inputs */
    public Sharding withUnits(List<Partition.Unit> all) {
        return new Sharding(index, count, all, balance, parts);
    }

    /** @return whether this is the merge of all shards rather than one shard */
    public boolean merged() {
        return index == 0;
    }

    /** @return the partition, or empty while its inputs are not known */
    public Optional<Partition> partition() {
        return units == null ? Optional.empty() : Optional.of(Partition.of(units, count));
    }

    /** @return the partition's fingerprint ({@link Partition#fingerprint}), or null while its inputs are not known */
    public String fingerprint() {
        return units == null ? null : Partition.fingerprint(units, count);
    }

    /** @return who owns which test under the partition, or empty while its inputs are not known */
    public Optional<Owners> owners() {
        return partition().map(Owners::new);
    }
}
