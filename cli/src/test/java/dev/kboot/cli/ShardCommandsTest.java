package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Sharding;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.KselftestParser;
import dev.kboot.harness.report.ResultsDirectory;
import dev.kboot.harness.shard.Partition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kboot test --shard/--shard-count/--balance}, {@code kboot results merge} and {@code kboot
 * results export --format kcidb} in-process: their bad input (checked before anything boots) and
 * their output, on shards made from the harness's captured kselftest TAP.
 */
class ShardCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    List<TestResult> captured;

    @BeforeEach
    void parseCaptured() throws IOException {
        captured = KselftestParser.parse(Files.readString(multiTap()));
    }

    private static void oneLineError(Cli r, int code, String contains) {
        assertEquals(code, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(contains), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(r.err().startsWith("kboot: "), r.err());
    }

    /** Writes shard {@code i} of {@code n} of the captured run (equal weights) and returns its directory. */
    private Path shard(int i, int n, String release) {
        List<Partition.Unit> units = captured.stream().map(t -> new Partition.Unit(t.id().toString(), 1)).toList();
        Sharding s = Sharding.startOf(i, n, null).withUnits(units);
        Partition p = s.partition().orElseThrow();
        List<TestResult> mine = captured.stream().filter(t -> p.partOf(t.id().toString()) == i).toList();
        RunInfo info = new RunInfo(release, "console=ttyS0", "sample", "/nix/store/aaaa-sample", "QEMU emulator version 7.2.19", "tcg",
                "0.1.0", Map.of(), Instant.parse("2026-11-22T10:00:00Z"), Instant.parse("2026-11-22T10:05:00Z"), 4.0);
        Path d = dir.resolve("shard-" + i + "-" + release);
        new ResultsDirectory(d).write(new RunResult(info, List.of("kselftest"), mine, List.of(), List.of(), List.of(), true, s), null, null);
        return d;
    }

    @Test
    void shardOptionsAreCheckedBeforeAnythingBoots() throws IOException {
        String result = dir.resolve("no-closure").toString();
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--shard", "4/3"), 64, "--shard 4/3");
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--shard", "two"), 64, "expected I/N");
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--balance", "x.json"), 64, "--balance goes with --shard");
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--shard-count", "3"), 64, "--shard-count goes with --shard auto");
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--shard", "1/2", "--balance", dir.resolve("none.json").toString()),
                66, "none.json");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"schema\": \"kboot-results/1\", \"run\": {}, \"tests\": [{\"id\": \"a/b\", \"status\": \"pass\", \"durationMs\": \"long\"}]}");
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--shard", "1/2", "--balance", bad.toString()), 65, "tests[0].durationMs");
    }

    @Test
    void jobsOptionIsCheckedBeforeAnythingBoots() {
        String result = dir.resolve("no-closure").toString();
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--jobs", "0"), 64, "--jobs 0: expected 1 to 64");
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--jobs", "65"), 64, "--jobs 65: expected 1 to 64");
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--jobs", "two"), 64, "--jobs");
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--jobs", "2", "--shard", "1/2"), 64, "--jobs 2 with --shard");
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--jobs", "2", "--console-log", dir.resolve("c.log").toString()),
                64, "--jobs 2 with --console-log");
        oneLineError(Cli.run("test", "--libvirt", "kboot-jobs-test-dom", "--suite", "command:smoke", "--jobs", "2"), 64, "--jobs 2 with --libvirt");
        // --balance goes with --jobs too: its file is read (and refused) before anything boots
        oneLineError(Cli.run("test", result, "--suite", "command:smoke", "--jobs", "2", "--balance", dir.resolve("none.json").toString()),
                66, "none.json");
    }

    @Test
    void mergeWritesOneRunAndExitsWithItsVerdict() throws IOException {
        List<String> args = new ArrayList<>(List.of("results", "merge"));
        for (int i = 1; i <= 3; i++) {
            args.add(shard(i, 3, "6.1.0-56-amd64").toString());
        }
        args.addAll(List.of("--results", dir.resolve("merged").toString()));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("14 tests: 12 pass, 2 fail"), r.out());
        assertTrue(r.err().contains("merged 3 of 3 shards"), r.err());
        JsonNode merged = JSON.readTree(dir.resolve("merged/results.json").toFile());
        assertEquals(3, merged.path("merged").path("count").asInt());
        assertTrue(merged.path("complete").asBoolean());

        args.remove(3); // shard 2
        args.set(args.size() - 1, dir.resolve("merged-2").toString());
        Cli missing = Cli.run(args.toArray(String[]::new));
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.out().contains("shard 2/3 is missing"), missing.out());
        assertTrue(missing.out().contains("merged from 2 of 3 shards (missing: 2), partition sha256:"), missing.out());
        assertTrue(Files.readString(dir.resolve("merged-2/results.json")).contains("\"status\" : \"miss\""));
    }

    @Test
    void mergeRefusesWhatDoesNotBelongTogether() throws IOException {
        Path a = shard(1, 2, "6.1.0-56-amd64");
        Path b = shard(2, 2, "6.6.0-1-amd64");
        oneLineError(Cli.run("results", "merge", a.toString(), b.toString(), "--results", dir.resolve("m").toString()), 65, "run.kernelRelease");
        Cli imported = Cli.run("results", "import", "--suite", "kselftest", multiTap().toString(), "--results", dir.resolve("plain").toString());
        assertEquals(1, imported.code(), imported.err());
        oneLineError(Cli.run("results", "merge", a.toString(), dir.resolve("plain").toString(), "--results", dir.resolve("m").toString()), 65,
                "key 'shard'");
        oneLineError(Cli.run("results", "merge", a.toString(), dir.resolve("nowhere").toString(), "--results", dir.resolve("m").toString()), 66,
                "nowhere");
        oneLineError(Cli.run("results", "merge", a.toString(), "--results", a.toString()), 64, "is one of the shards");
        oneLineError(Cli.run("results", "merge", "--results", dir.resolve("m").toString()), 64, "DIR");
    }

    /** @return the harness's captured {@code run_kselftest.sh -c size -c breakpoints -c exec} (see its README.md) */
    private static Path multiTap() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            Path c = p.resolve("harness/src/test/resources/captured/kselftest/multi.tap");
            if (Files.isRegularFile(c)) {
                return c;
            }
        }
        throw new IllegalStateException("captured/kselftest/multi.tap not found from " + here);
    }

    @Test
    void exportWritesKcidbJsonToStandardOutputOrAFile() throws IOException {
        Path s = shard(1, 1, "6.1.0-56-amd64");
        Cli r = Cli.run("results", "export", "--format", "kcidb", s.toString(), "--origin", "my_lab", "--base-url", "https://ci.example.org/1");
        assertEquals(0, r.code(), r.err());
        JsonNode doc = JSON.readTree(r.out());
        assertEquals(4, doc.path("version").path("major").asInt());
        assertEquals(14, doc.path("tests").size());
        assertEquals("https://ci.example.org/1/console.log", doc.path("tests").get(0).path("log_url").asText());
        Path out = dir.resolve("out/kcidb.json");
        Cli f = Cli.run("results", "export", "--format", "kcidb", s.toString(), "--origin", "my_lab", "-o", out.toString());
        assertEquals(0, f.code(), f.err());
        assertEquals(14, JSON.readTree(out.toFile()).path("tests").size());
        assertTrue(f.err().contains("14 tests written to"), f.err());
    }

    @Test
    void exportRefusesBadOptions() {
        Path s = shard(1, 1, "6.1.0-56-amd64");
        oneLineError(Cli.run("results", "export", "--format", "junit", s.toString(), "--origin", "my_lab"), 64, "--format junit: expected kcidb");
        oneLineError(Cli.run("results", "export", "--format", "kcidb", s.toString(), "--origin", "My-Lab"), 64, "--origin My-Lab");
        oneLineError(Cli.run("results", "export", "--format", "kcidb", s.toString(), "--origin", "l", "--git-commit", "abc"), 64, "--git-commit abc");
        oneLineError(Cli.run("results", "export", "--format", "kcidb", s.toString(), "--origin", "l", "--base-url", "ci/results"), 64, "--base-url");
        oneLineError(Cli.run("results", "export", "--format", "kcidb", dir.resolve("none").toString(), "--origin", "l"), 66, "none");
        oneLineError(Cli.run("results", "export", s.toString(), "--origin", "l"), 64, "--format");
    }
}
