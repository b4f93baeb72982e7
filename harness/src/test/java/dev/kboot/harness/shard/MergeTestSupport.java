package dev.kboot.harness.shard;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Sharding;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.FstestsParser;
import dev.kboot.harness.parse.KselftestParser;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Shards made from a single host's run of real captured suite output (the kselftest TAP of
 * multi.tap and timers.tap, the fstests result.xml; see captured/README.md), split the way
 * {@code kboot test --shard} splits a run.
 */
public class MergeTestSupport {
    public static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    public static RunInfo info(String host) {
        return new RunInfo("6.1.0-56-amd64", "console=ttyS0 panic=-1 tsc_early_khz=" + host, "NixOS 24.05", "/nix/store/aaaa-nixos-system",
                "QEMU emulator version 7.2.19", "tcg", "0.1.0", Map.of(), T0, T0.plusSeconds(600), 4.0);
    }

    /** A suite as kboot test plans it: its planned units, and whether the one unit stands for the whole suite. */
    public record Plan(String suite, List<TestId> units, boolean wholeSuite, List<TestResult> expunged, List<TestResult> results) {
    }

    /** kselftest (one unit per test, one expunged) and fstests (one unit, SUITE/(run)/PROFILE, for the whole ./check run), from captured output. */
    public static List<Plan> plans() {
        List<TestResult> ks = new ArrayList<>(KselftestParser.parse(Captured.text("kselftest/multi.tap")));
        ks.addAll(KselftestParser.parse(Captured.text("kselftest/timers.tap")));
        long ms = 100;
        List<TestResult> timed = new ArrayList<>();
        for (TestResult t : ks) {
            timed.add(t.withDuration(ms));
            ms = ms * 7 % 9973 + 50;
        }
        TestResult expunged = TestResult.of(TestId.of("kselftest", "seccomp", "seccomp_bpf"), Status.EXPUNGED, "", "expunged: known to hang");
        List<TestResult> fs = FstestsParser.parse(Captured.path("fstests/result.xml"));
        return List.of(
                new Plan("kselftest", timed.stream().map(TestResult::id).toList(), false, List.of(expunged), timed),
                new Plan("fstests", List.of(TestId.of("fstests", "(run)", "default")), true, List.of(), fs));
    }

    /** The single host's run: suite by suite, expunged first, then the results. */
    public static RunResult single(List<Plan> plans) {
        List<TestResult> all = new ArrayList<>();
        for (Plan p : plans) {
            all.addAll(p.expunged());
            all.addAll(p.results());
        }
        return new RunResult(info("1"), List.of("kselftest:sample", "fstests"), all, List.of(), List.of(), List.of(), true);
    }

    /** What shard {@code index} of {@code count} records, as TestRun does: every suite's expunged tests, its own units' results. */
    public static RunResult shard(List<Plan> plans, int index, int count, Weights w) {
        List<Partition.Unit> units = new ArrayList<>();
        for (Plan p : plans) {
            for (TestId id : p.units()) {
                units.add(new Partition.Unit(id.toString(), p.wholeSuite() ? w.wholeSuite(p.suite(), 1) : w.test(id)));
            }
        }
        Sharding s = Sharding.startOf(index, count, w.source()).withUnits(units);
        Partition partition = s.partition().orElseThrow();
        List<TestResult> mine = new ArrayList<>();
        for (Plan p : plans) {
            mine.addAll(p.expunged());
            if (p.wholeSuite()) {
                if (partition.partOf(p.units().get(0).toString()) == index) {
                    mine.addAll(p.results());
                }
            } else {
                p.results().stream().filter(t -> partition.partOf(t.id().toString()) == index).forEach(mine::add);
            }
        }
        return new RunResult(info(Integer.toString(index)), List.of("kselftest:sample", "fstests"), mine, List.of(), List.of(), List.of(), true, s);
    }

    public static List<Merge.Input> shards(List<Plan> plans, int count, Weights w) {
        List<Merge.Input> out = new ArrayList<>();
        for (int i = count; i >= 1; i--) { // any order
            out.add(new Merge.Input(Path.of("shard-" + i), shard(plans, i, count, w)));
        }
        return out;
    }

    /** @return the three shards of the captured run, equal weights */
    public static List<Merge.Input> threeShards() {
        return shards(plans(), 3, Weights.equal());
    }
}
