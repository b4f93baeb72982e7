package dev.kboot.harness.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.FstestsParser;
import dev.kboot.harness.parse.KselftestParser;
import dev.kboot.harness.report.JunitXml;
import dev.kboot.harness.report.ResultsDirectory;
import dev.kboot.harness.report.ResultsJson;
import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@link Merge} on shards made from a single host's run of real captured suite output (the
 * kselftest TAP of multi.tap and timers.tap, the fstests result.xml; see captured/README.md), split
 * the way {@code kboot test --shard} splits it: the merge equals the single host's run.
 */
class MergeTest extends MergeTestSupport {
    @TempDir
    Path dir;

    static Map<String, Status> statuses(RunResult r) {
        Map<String, Status> m = new LinkedHashMap<>();
        r.tests().forEach(t -> m.put(t.id().toString(), t.status()));
        return m;
    }

    /** junit.xml's test cases as (classname, name, outcome) lines. */
    static TreeSet<String> junitCases(RunResult r) throws Exception {
        NodeList cases = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(JunitXml.write(r))).getElementsByTagName("testcase");
        TreeSet<String> out = new TreeSet<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element e = (Element) cases.item(i);
            String outcome = e.getElementsByTagName("failure").getLength() > 0 ? "failure"
                    : e.getElementsByTagName("error").getLength() > 0 ? "error" : e.getElementsByTagName("skipped").getLength() > 0 ? "skipped" : "pass";
            out.add(e.getAttribute("classname") + " " + e.getAttribute("name") + " " + outcome);
        }
        return out;
    }

    static TreeSet<String> entries(Comparison c) {
        TreeSet<String> out = new TreeSet<>();
        c.tests().forEach(e -> out.add(e.id() + " " + e.base() + " " + e.head() + " " + e.change()));
        return out;
    }

    @Test
    void theMergeOfEveryShardCountEqualsTheSingleHostRun() throws Exception {
        List<Plan> plans = plans();
        RunResult single = single(plans);
        // a baseline in which exec/execveat passed and timers/rtcpie failed: a regression and a coverage loss
        RunResult base = single.withTests(single.tests().stream().map(t -> switch (t.id().toString()) {
            case "kselftest/exec/execveat" -> t.withStatus(Status.PASS);
            case "kselftest/timers/rtcpie" -> t.withStatus(Status.PASS);
            default -> t;
        }).toList());
        Weights balance = Weights.of(single, "earlier/results.json");
        for (Weights w : List.of(Weights.equal(), balance)) {
            for (int n = 1; n <= 6; n++) {
                RunResult merged = Merge.merge(shards(plans, n, w));
                String what = n + " shards, " + (w.isEqual() ? "equal weights" : "balanced");
                assertEquals(statuses(single), statuses(merged), what + ": every status");
                assertEquals(List.copyOf(statuses(single).keySet()), List.copyOf(statuses(merged).keySet()), what + ": in the single host's order");
                assertEquals(Verdict.of(single, null).exitCode(), Verdict.of(merged, null).exitCode(), what);
                assertEquals(Verdict.of(single, null).headline(), Verdict.of(merged, null).headline(), what);
                assertEquals(junitCases(single), junitCases(merged), what + ": junit.xml");
                Comparison a = Comparison.of(base, single);
                Comparison b = Comparison.of(base, merged);
                assertEquals(entries(a), entries(b), what + ": baseline comparison");
                assertEquals(Verdict.of(single, a).headline(), Verdict.of(merged, b).headline(), what);
                assertEquals(ExitCode.FAILED, Verdict.of(merged, b).exitCode(), "the regression fails the merged run");
                assertTrue(merged.complete(), what + ": " + merged.incompleteReasons());
                assertEquals(0, merged.sharding().index());
                assertEquals(n, merged.sharding().parts().size());
            }
        }
    }

    @Test
    void aMissingShardMakesTheMergeIncompleteWithItsTestsMiss() {
        List<Plan> plans = plans();
        List<Merge.Input> all = shards(plans, 3, Weights.equal());
        Merge.Input second = all.stream().filter(i -> i.run().sharding().index() == 2).findFirst().orElseThrow();
        List<Merge.Input> without = all.stream().filter(i -> i != second).toList();
        RunResult merged = Merge.merge(without);
        Partition p = second.run().sharding().partition().orElseThrow();
        List<String> owned = p.part(2).stream().map(Partition.Unit::key).toList();
        assertFalse(owned.isEmpty());
        for (String id : owned) {
            TestResult t = merged.find(TestId.parse(id)).orElseThrow(() -> new AssertionError(id + " is in the merge"));
            assertEquals(Status.MISS, t.status(), id);
            assertTrue(t.reason().contains("shard 2/3 is missing"), t.reason());
        }
        assertEquals(ExitCode.INCOMPLETE, Verdict.of(merged, null).exitCode());
        assertTrue(merged.incompleteReasons().get(0).startsWith("shard 2/3 is missing: its " + owned.size() + " tests are MISS"),
                merged.incompleteReasons().toString());
        assertEquals(single(plans).tests().size() - testsOf(second.run()) + owned.size(), merged.tests().size(),
                "the other shards' tests, and one MISS per unit of the missing shard");
        assertEquals(null, merged.sharding().parts().get(1).source());
    }

    private static int testsOf(RunResult shard) {
        return (int) shard.tests().stream().filter(t -> t.status() != Status.EXPUNGED).count();
    }

    @Test
    void aShardMissingTheWholeSuiteUnitLeavesThatSuiteMiss() {
        List<Plan> plans = plans();
        List<Merge.Input> all = shards(plans, 2, Weights.equal());
        int fsShard = all.get(0).run().sharding().partition().orElseThrow().partOf("fstests/(run)/default");
        RunResult merged = Merge.merge(all.stream().filter(i -> i.run().sharding().index() != fsShard).toList());
        assertEquals(Status.MISS, merged.find(TestId.of("fstests", "(run)", "default")).orElseThrow().status());
        assertTrue(merged.tests().stream().noneMatch(t -> t.id().suite().equals("fstests") && t.status() != Status.MISS));
    }

    @Test
    void twoSectionsOfABatchSuiteAreUnitsOfTheirOwnAndMergeBack() {
        List<TestResult> fs = FstestsParser.parse(Captured.path("fstests/result.xml"));
        String section = fs.get(0).id().segments().get(1);
        // the same captured run as a second section (derived: the section segment renamed)
        List<TestResult> other = fs.stream().map(t -> {
            List<String> seg = new ArrayList<>(t.id().segments());
            seg.set(1, section + "-1k");
            return new TestResult(new TestId(seg), t.status(), t.rawStatus(), t.reason(), t.durationMs(), t.excerpt(), t.artifacts(),
                    t.incidents(), t.unstable());
        }).toList();
        List<Plan> plans = List.of(
                new Plan("fstests", List.of(TestId.of("fstests", "(run)", "xfs-4k.yaml")), true, List.of(), fs),
                new Plan("fstests", List.of(TestId.of("fstests", "(run)", "xfs-1k.yaml")), true, List.of(), other));
        RunResult single = single(plans);
        List<Merge.Input> two = shards(plans, 2, Weights.equal());
        Partition p = two.get(0).run().sharding().partition().orElseThrow();
        assertEquals(2, p.partOf("fstests/(run)/xfs-1k.yaml") + p.partOf("fstests/(run)/xfs-4k.yaml") - 1, "one section per shard");
        RunResult merged = Merge.merge(two);
        assertEquals(statuses(single), statuses(merged));
        assertTrue(merged.complete(), merged.incompleteReasons().toString());
        RunResult half = Merge.merge(List.of(two.get(0)));
        int missing = two.get(1).run().sharding().index();
        String lost = p.part(missing).get(0).key();
        assertEquals(Status.MISS, half.find(TestId.parse(lost)).orElseThrow().status(), lost);
        assertEquals(fs.size() + 1, half.tests().size(), "the present section's tests and one MISS for the other");
    }

    @Test
    void aShardThatStoppedEarlyIsNamedAndItsUnreachedTestsStayMiss() {
        List<Plan> plans = plans();
        List<Merge.Input> all = new ArrayList<>(shards(plans, 3, Weights.equal()));
        Merge.Input first = all.stream().filter(i -> i.run().sharding().index() == 1).findFirst().orElseThrow();
        RunResult r = first.run();
        List<TestResult> cut = new ArrayList<>();
        boolean crashed = false;
        for (TestResult t : r.tests()) {
            if (t.id().suite().equals("kselftest") && t.status() != Status.EXPUNGED && !crashed) {
                cut.add(t.withStatus(Status.CRASH, "PANIC: Kernel panic - not syncing: sysrq triggered crash"));
                crashed = true;
            } else if (crashed && t.id().suite().equals("kselftest")) {
                cut.add(TestResult.miss(t.id(), "not reached: the run stopped before it"));
            } else {
                cut.add(t);
            }
        }
        RunResult killed = new RunResult(r.info(), r.suites(), cut, List.of("the kernel reported PANIC"), List.of(), List.of(), false, r.sharding());
        all.set(all.indexOf(first), new Merge.Input(first.source(), killed));
        RunResult merged = Merge.merge(all);
        assertEquals(ExitCode.INCOMPLETE, Verdict.of(merged, null).exitCode());
        assertTrue(merged.incompleteReasons().contains("shard 1/3 did not finish (killed, or still running): shard-1"), merged.incompleteReasons().toString());
        assertTrue(merged.incompleteReasons().contains("shard 1/3: the kernel reported PANIC"), merged.incompleteReasons().toString());
        assertEquals(1, merged.counts().get(Status.CRASH));
        assertTrue(merged.counts().get(Status.MISS) > 0);
    }

    @Test
    void shardsThatDoNotBelongTogetherAreRefusedNamingTheField() {
        List<Plan> plans = plans();
        RunResult one = shard(plans, 1, 3, Weights.equal());
        RunResult two = shard(plans, 2, 3, Weights.equal());
        assertRefused("shard.count", one, shard(plans, 2, 4, Weights.equal()));
        assertRefused("shard.fingerprint", one, shard(plans, 2, 3, Weights.of(single(plans), "b.json")));
        List<Plan> fewer = List.of(plans.get(0));
        assertRefused("shard.fingerprint", one, shard(fewer, 2, 3, Weights.equal()));
        assertRefused("run.kernelRelease", one, two.withInfo(two.info().withKernel("6.6.0-1-amd64", null)));
        assertRefused("run.bootspecToplevel", one, two.withInfo(two.info().withBootspec("x", "/nix/store/bbbb-nixos-system")));
        assertRefused("run.suites", one, new RunResult(two.info(), List.of("kselftest"), two.tests(), List.of(), List.of(), List.of(), true, two.sharding()));
        assertRefused("shard.index", one, one);
        assertRefused("shard", one, single(plans));
    }

    private void assertRefused(String field, RunResult a, RunResult b) {
        KbootException e = assertThrows(KbootException.class,
                () -> Merge.merge(List.of(new Merge.Input(Path.of("a/results.json"), a), new Merge.Input(Path.of("b/results.json"), b))));
        assertEquals(ExitCode.DATA, e.exitCode());
        assertTrue(e.getMessage().contains("key '" + field + "'"), e.getMessage());
    }

    @Test
    void mergingResultsDirectoriesWritesTheRunAndKeepsEachShardsFiles() throws Exception {
        List<Plan> plans = plans();
        List<Path> dirs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Path d = dir.resolve("shard-" + i);
            new ResultsDirectory(d).write(shard(plans, i, 3, Weights.equal()), null, null);
            Files.writeString(d.resolve("console.log"), "console of shard " + i + "\n");
            dirs.add(d);
        }
        Files.createDirectories(dirs.get(0).resolve("artifacts/fstests"));
        Files.writeString(dirs.get(0).resolve("artifacts/fstests/check.log"), "check.log\n");
        Path base = dir.resolve("base");
        new ResultsDirectory(base).write(single(plans), null, null);
        Merge.Outcome o = Merge.run(new Merge.Request(dirs, dir.resolve("merged"), base));
        assertEquals(ExitCode.OK, o.verdict().exitCode(), o.verdict().toString());
        RunResult back = ResultsJson.read(dir.resolve("merged"));
        assertEquals(statuses(single(plans)), statuses(back));
        assertEquals(o.run().sharding().fingerprint(), back.sharding().fingerprint());
        assertTrue(back.sharding().merged());
        assertEquals("console of shard 2\n", Files.readString(dir.resolve("merged/shard-2/console.log")));
        assertEquals("check.log\n", Files.readString(dir.resolve("merged/artifacts/fstests/check.log")));
        assertTrue(Files.isSameFile(dirs.get(1).resolve("console.log"), dir.resolve("merged/shard-2/console.log")),
                "on one file system the console log is linked, not kept twice");
        assertTrue(Files.isSameFile(dirs.get(0).resolve("artifacts/fstests/check.log"), dir.resolve("merged/artifacts/fstests/check.log")));
        assertTrue(Files.readString(dir.resolve("merged/results.json")).contains("\"merged\" : {"));
        KbootException self = assertThrows(KbootException.class, () -> Merge.run(new Merge.Request(dirs, dirs.get(0), null)));
        assertEquals(ExitCode.USAGE, self.exitCode());
    }

    @Test
    void aShardsResultsRoundTripAndATamperedPartitionIsRefused() throws Exception {
        RunResult one = shard(plans(), 1, 3, Weights.of(single(plans()), "earlier.json"));
        String json = ResultsJson.write(one, null, null);
        RunResult back = ResultsJson.parse(json, Path.of("results.json"));
        assertEquals(one.sharding(), back.sharding());
        assertTrue(json.contains("\"shard\" : {"), json);
        String tampered = json.replaceFirst("\"weight\" : \\d+", "\"weight\" : 123456789");
        KbootException e = assertThrows(KbootException.class, () -> ResultsJson.parse(tampered, Path.of("results.json")));
        assertTrue(e.getMessage().contains("key 'shard.fingerprint'"), e.getMessage());
        KbootException bad = assertThrows(KbootException.class,
                () -> ResultsJson.parse(json.replace("\"index\" : 1,", "\"index\" : 4,"), Path.of("results.json")));
        assertTrue(bad.getMessage().contains("key 'shard.index'"), bad.getMessage());
    }
}
