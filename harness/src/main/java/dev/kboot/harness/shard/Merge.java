package dev.kboot.harness.shard;

import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Sharding;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.report.ResultsDirectory;
import dev.kboot.harness.report.ResultsJson;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code kboot results merge}: the results of the shards of one partitioned run ({@code kboot test
 * --shard I/N} on N hosts) as one run, equal to the same run done on one host in every test's
 * status, the verdict, junit.xml and the baseline comparison (durations and machine facts aside).
 *
 * <p>Shards of different partitions (fingerprint: planned tests, weights, N), kernels
 * ({@code run.kernelRelease}), closures ({@code run.bootspecToplevel}) or suites
 * ({@code run.suites}) are refused (exit 65 naming the field). A shard that is missing, or stopped
 * before running all of its tests, makes the merged run incomplete: the tests the partition gave
 * it and no shard reported are MISS (docs/scale-out.md).
 */
public final class Merge {
    private Merge() {
    }

    /**
     * One shard's results.
     *
     * @param source where they came from (a results directory or its results.json)
     * @param run    the results
     */
    public record Input(Path source, RunResult run) {
        /** @return the results directory (the source, or the directory holding the results.json) */
        public Path dir() {
            return Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
        }

        Path file() {
            return Files.isDirectory(source) ? source.resolve(ResultsDirectory.RESULTS_JSON) : source;
        }
    }

    /**
     * What to merge.
     *
     * @param shards   the shards' results directories (or results.json files), in any order
     * @param out      where the merged results go (not one of the shards)
     * @param baseline a baseline results.json (or its directory) to compare the merged run with, or null
     */
    public record Request(List<Path> shards, Path out, Path baseline) {
    }

    /**
     * The merged run as written.
     *
     * @param run        the merged results
     * @param comparison against the baseline, or null
     * @param verdict    as {@code kboot test} exits
     */
    public record Outcome(RunResult run, Comparison comparison, Verdict verdict) {
    }

    /**
     * Reads the shards, merges them, writes results.json, junit.xml and summary.txt to {@code out},
     * and copies each shard's {@code artifacts/} (to {@code artifacts/}) and console log (to
     * {@code shard-I/console.log}).
     *
     * @return the merged run, its comparison and verdict
     * @throws KbootException 64 when {@code out} is one of the shards, 65 for shards that do not
     *                        belong together or malformed files (naming the field), 66 for missing ones
     */
    public static Outcome run(Request r) {
        RunResult base = r.baseline() == null ? null : ResultsJson.read(r.baseline());
        List<Input> inputs = new ArrayList<>();
        for (Path p : r.shards()) {
            Input in = new Input(p, ResultsJson.read(p));
            if (in.dir().toAbsolutePath().normalize().equals(r.out().toAbsolutePath().normalize())) {
                throw KbootException.usage("--results " + r.out() + " is one of the shards: write the merge to a directory of its own");
            }
            inputs.add(in);
        }
        RunResult merged = merge(inputs);
        ResultsDirectory dir = new ResultsDirectory(r.out());
        for (Input in : inputs) {
            merged = copyFiles(in, merged.sharding().count(), r.out(), merged);
        }
        Comparison cmp = base == null ? null : Comparison.of(base, merged);
        String baseName = r.baseline() == null ? null : r.baseline().toString();
        dir.write(merged, cmp, baseName);
        return new Outcome(merged, cmp, Verdict.of(merged, cmp));
    }

    /**
     * Merges the shards' results.
     *
     * @param shards each shard's results, in any order, at most one per shard index
     * @return the merged run: tests from every shard (MISS for those no shard reported), their
     *         reasons for incompleteness, problems and console incidents, sharding with index 0
     * @throws KbootException 65 naming the file and field for shards that do not belong together
     */
    public static RunResult merge(List<Input> shards) {
        if (shards.isEmpty()) {
            throw KbootException.usage("kboot results merge: expected at least one shard's results directory");
        }
        List<Input> sorted = new ArrayList<>(shards);
        for (Input in : sorted) {
            Sharding s = in.run().sharding();
            if (s == null || s.merged()) {
                throw KbootException.badInput(in.file(), "shard", s == null
                        ? "expected the results of one shard (kboot test --shard I/N), found a run that was not sharded"
                        : "expected the results of one shard, found a merge (merge the shards themselves)");
            }
        }
        sorted.sort((a, b) -> Integer.compare(a.run().sharding().index(), b.run().sharding().index()));
        Input first = sorted.get(0);
        int count = first.run().sharding().count();
        Map<Integer, Input> byIndex = new TreeMap<>();
        Input reference = null;
        for (Input in : sorted) {
            Sharding s = in.run().sharding();
            same(first, in, "shard.count", count, s.count());
            Input dup = byIndex.put(s.index(), in);
            if (dup != null) {
                throw KbootException.badInput(in.file(), "shard.index", "expected each shard once, found shard " + s + " also in " + dup.file());
            }
            if (s.units() != null) {
                if (reference == null) {
                    reference = in;
                } else {
                    same(reference, in, "shard.fingerprint", reference.run().sharding().fingerprint(), s.fingerprint());
                }
            }
        }
        for (Input in : sorted) {
            sameIfKnown(first, in, "run.kernelRelease", first.run().info().kernelRelease(), in.run().info().kernelRelease());
            sameIfKnown(first, in, "run.bootspecToplevel", first.run().info().bootspecToplevel(), in.run().info().bootspecToplevel());
            same(first, in, "run.suites", labels(first.run().suites()), labels(in.run().suites()));
        }
        Sharding ref = reference == null ? Sharding.startOf(1, count, first.run().sharding().balance()) : reference.run().sharding();
        Optional<Partition> partition = ref.partition();
        Optional<Owners> owners = partition.map(Owners::new);

        // Each test once: from the shard the partition gives it to, else the first shard that has it.
        Map<TestId, TestResult> chosen = new LinkedHashMap<>();
        Map<TestId, Integer> from = new HashMap<>();
        for (Input in : sorted) {
            int index = in.run().sharding().index();
            for (TestResult t : in.run().tests()) {
                Integer had = from.get(t.id());
                Optional<Integer> owner = owners.flatMap(o -> o.of(t.id()));
                if (had == null || (owner.isPresent() && owner.get() == index && had != index)) {
                    chosen.put(t.id(), t);
                    from.put(t.id(), index);
                }
            }
        }
        List<String> incomplete = new ArrayList<>();
        List<Sharding.Part> parts = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Input in = byIndex.get(i);
            parts.add(new Sharding.Part(i, in == null ? null : in.source().toString(), in != null && in.run().finished()));
        }
        // Tests of the partition that no shard reported: MISS, with the reason of their shard.
        Map<Integer, Integer> missed = new TreeMap<>();
        if (partition.isPresent()) {
            // A suite run as one unit (fstests, blktests, LTP) is reported by the tests its shard ran.
            Set<String> covered = new LinkedHashSet<>();
            for (Input in : sorted) {
                for (TestResult t : in.run().tests()) {
                    if (t.status() != Status.EXPUNGED && !t.id().name().equals("(suite)")) {
                        covered.add(t.id().suite() + "\0" + in.run().sharding().index());
                    }
                }
            }
            for (Partition.Unit u : partition.get().units()) {
                TestId id = TestId.parse(u.key());
                int owner = partition.get().partOf(u.key());
                Input in = byIndex.get(owner);
                // A suite run as one unit per profile (SUITE/(run)/PROFILE) is reported by the results its
                // shard has of that suite, or by that shard having finished.
                boolean wholeSuite = id.segments().size() >= 2 && id.segments().get(1).equals("(run)");
                boolean reported = chosen.containsKey(id)
                        || (wholeSuite && in != null && (in.run().finished() || covered.contains(id.suite() + "\0" + owner)));
                if (!reported) {
                    chosen.put(id, TestResult.miss(id, in == null ? "shard " + owner + "/" + count + " is missing from the merge"
                            : "shard " + owner + "/" + count + " did not report it (it stopped before it)"));
                    from.put(id, owner);
                    missed.merge(owner, 1, Integer::sum);
                }
            }
        }
        for (int i = 1; i <= count; i++) {
            Input in = byIndex.get(i);
            if (in == null) {
                int n = missed.getOrDefault(i, 0);
                incomplete.add("shard " + i + "/" + count + " is missing" + (partition.isPresent() ? ": its " + n + " test" + (n == 1 ? "" : "s") + " are MISS"
                        : " (and no shard got as far as planning, so its tests are unknown)"));
            } else if (!in.run().finished()) {
                incomplete.add("shard " + i + "/" + count + " did not finish (killed, or still running): " + in.source());
            }
        }
        // Reasons every present shard gives are the run's; the others are one shard's.
        Map<String, List<Integer>> reasons = new LinkedHashMap<>();
        for (Input in : sorted) {
            for (String why : in.run().incomplete()) {
                reasons.computeIfAbsent(why, k -> new ArrayList<>()).add(in.run().sharding().index());
            }
        }
        reasons.forEach((why, who) -> {
            if (who.size() == sorted.size()) {
                incomplete.add(why);
            } else {
                who.forEach(i -> incomplete.add("shard " + i + "/" + count + ": " + why));
            }
        });
        Set<String> problems = new LinkedHashSet<>();
        List<Incident> incidents = new ArrayList<>();
        for (Input in : sorted) {
            problems.addAll(in.run().problems());
            incidents.addAll(in.run().incidents());
        }
        Sharding merged = new Sharding(0, count, ref.units(), ref.balance(), parts);
        List<TestResult> ordered = order(chosen, first.run().suites(), partition);
        return new RunResult(info(sorted), first.run().suites(), ordered, incomplete, List.copyOf(problems), incidents, true, merged);
    }

    /**
     * The merged run's order, the one a single host's run has: suite by suite (as asked), within a
     * suite the EXPUNGED tests its plan left out, then the partition's units in plan order, then
     * other results (a whole-suite unit's tests) as the shards listed them.
     */
    private static List<TestResult> order(Map<TestId, TestResult> chosen, List<String> suites, Optional<Partition> partition) {
        Map<String, Integer> unitRank = new HashMap<>();
        partition.ifPresent(p -> {
            int k = 0;
            for (Partition.Unit u : p.units()) {
                unitRank.put(u.key(), k++);
            }
        });
        List<String> suiteNames = suites.stream().map(s -> s.contains(":") ? s.substring(0, s.indexOf(':')) : s).distinct().toList();
        List<TestResult> all = new ArrayList<>(chosen.values());
        Map<TestId, Integer> seen = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            seen.put(all.get(i).id(), i);
        }
        all.sort((a, b) -> {
            int sa = suiteNames.indexOf(a.id().suite());
            int sb = suiteNames.indexOf(b.id().suite());
            sa = sa < 0 ? Integer.MAX_VALUE : sa;
            sb = sb < 0 ? Integer.MAX_VALUE : sb;
            if (sa != sb) {
                return Integer.compare(sa, sb);
            }
            int ka = kind(a, unitRank);
            int kb = kind(b, unitRank);
            if (ka != kb) {
                return Integer.compare(ka, kb);
            }
            if (ka == 1) {
                return Integer.compare(unitRank.get(a.id().toString()), unitRank.get(b.id().toString()));
            }
            return Integer.compare(seen.get(a.id()), seen.get(b.id()));
        });
        return all;
    }

    private static int kind(TestResult t, Map<String, Integer> unitRank) {
        if (unitRank.containsKey(t.id().toString())) {
            return 1;
        }
        return t.status() == Status.EXPUNGED ? 0 : 2;
    }

    /** The merged machine facts: the first shard's, with every shard's QEMU and accelerator, the earliest start and the latest end. */
    private static RunInfo info(List<Input> sorted) {
        RunInfo f = sorted.get(0).run().info();
        Instant start = null;
        Instant end = null;
        boolean ended = true;
        for (Input in : sorted) {
            RunInfo i = in.run().info();
            if (i.startTime() != null && (start == null || i.startTime().isBefore(start))) {
                start = i.startTime();
            }
            if (i.endTime() == null) {
                ended = false;
            } else if (end == null || i.endTime().isAfter(end)) {
                end = i.endTime();
            }
        }
        return new RunInfo(f.kernelRelease(), f.kernelCmdline(), f.bootspecLabel(), f.bootspecToplevel(),
                distinct(sorted, i -> i.qemuVersion()), distinct(sorted, i -> i.accelerator()), distinct(sorted, i -> i.kbootVersion()),
                Map.of(), start, ended ? end : null, sameFactor(sorted));
    }

    /** @return the shards' timeout factor when they all ran with the same one, else null */
    private static Double sameFactor(List<Input> sorted) {
        Set<Double> v = new LinkedHashSet<>();
        for (Input in : sorted) {
            v.add(in.run().info().timeoutFactor());
        }
        return v.size() == 1 ? v.iterator().next() : null;
    }

    private static String distinct(List<Input> sorted, java.util.function.Function<RunInfo, String> f) {
        Set<String> v = new LinkedHashSet<>();
        for (Input in : sorted) {
            String s = f.apply(in.run().info());
            if (s != null) {
                v.add(s);
            }
        }
        return v.isEmpty() ? null : String.join("; ", v);
    }

    /** @return the suites asked for, a profile file named by its file name (hosts check files out in different places) */
    private static List<String> labels(List<String> suites) {
        return suites.stream().map(l -> l.contains(":") && l.indexOf('/', l.indexOf(':')) >= 0
                ? l.substring(0, l.indexOf(':') + 1) + l.substring(l.lastIndexOf('/') + 1) : l).toList();
    }

    private static void same(Input a, Input b, String field, Object expected, Object found) {
        if (!Objects.equals(expected, found)) {
            throw KbootException.badInput(b.file(), field, "expected " + show(expected) + " as in " + a.file() + ", found " + show(found)
                    + ": the shards are not of one partitioned run");
        }
    }

    private static void sameIfKnown(Input a, Input b, String field, String expected, String found) {
        if (expected != null && found != null) {
            same(a, b, field, expected, found);
        }
    }

    private static String show(Object o) {
        return o instanceof String s ? "'" + s + "'" : String.valueOf(o);
    }

    /**
     * Copies a shard's artifacts/ and console.log into the merge; an artifact already there is kept.
     * A regular file is hard-linked where the file system allows it (the shards' directories inside
     * the merge's, as {@code kboot test --jobs} makes them: one copy on disk, not two), else copied.
     */
    private static RunResult copyFiles(Input in, int count, Path out, RunResult merged) {
        Path dir = in.dir();
        int index = in.run().sharding().index();
        Path arts = dir.resolve("artifacts");
        try {
            if (Files.isDirectory(arts)) {
                try (Stream<Path> files = Files.walk(arts)) {
                    for (Path p : files.toList()) {
                        Path dst = out.resolve("artifacts").resolve(arts.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(dst);
                        } else if (!Files.exists(dst)) {
                            linkOrCopy(p, dst);
                        }
                    }
                }
            }
            Path console = dir.resolve("console.log");
            if (Files.isRegularFile(console)) {
                Path dst = out.resolve("shard-" + index).resolve("console.log");
                Files.createDirectories(dst.getParent());
                Files.deleteIfExists(dst);
                linkOrCopy(console, dst);
            }
            return merged;
        } catch (IOException e) {
            return merged.withProblem("cannot copy the files of shard " + index + "/" + count + " from " + dir + ": " + e.getMessage());
        }
    }

    /** Hard-links {@code dst} to the regular file {@code src}, or copies it (another file system, links refused, not a regular file). */
    private static void linkOrCopy(Path src, Path dst) throws IOException {
        if (Files.isRegularFile(src, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createLink(dst, src);
                return;
            } catch (IOException | UnsupportedOperationException e) {
                // EXDEV, EPERM (fs.protected_hardlinks), a file system without links: copy it
            }
        }
        Files.copy(src, dst);
    }
}
