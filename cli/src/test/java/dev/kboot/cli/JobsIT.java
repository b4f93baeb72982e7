package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on the sample closure: {@code kboot test --jobs 2} (two guests at once in one kboot
 * process) gives every test the status {@code --jobs 1} gives it, the same verdict and exit code;
 * each guest ran its own part once, in its own results directory with its own console log, and
 * nothing is left running. Lean on purpose: a few kselftests and commands, one-vCPU guests, the
 * two runs one after the other (a 2-core CI host).
 */
class JobsIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void sample() {
        KbootProcess.assertSampleExists();
    }

    private static Map<String, String> statuses(Path results) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode t : JSON.readTree(results.resolve("results.json").toFile()).path("tests")) {
            out.put(t.path("id").asText(), t.path("status").asText());
        }
        return out;
    }

    private static JsonNode verdict(Path results) throws Exception {
        return JSON.readTree(results.resolve("results.json").toFile()).path("verdict");
    }

    @Test
    void twoGuestsGiveTheStatusesAndVerdictOfOne() throws Exception {
        Path kselftests = dir.resolve("kselftest.yaml");
        Files.writeString(kselftests, """
                test-timeout: 300s
                tests: [size:get_size, exec:null-argv, vDSO:vdso_test_getcpu]
                """);
        Path commands = dir.resolve("commands.yaml");
        Files.writeString(commands, """
                tests:
                  - {name: ok-1, command: "true"}
                  - {name: ok-2, command: "uname -r"}
                  - {name: ok-3, command: "grep -q ' /nix/store virtiofs ' /proc/mounts"}
                  - {name: fails, command: "echo 'wanted 42, got 41' >&2; exit 1"}
                  - {name: skips, command: "exit 4"}
                  - {name: known-bad, command: "exit 1"}
                  - {name: never-run, command: "echo KBOOT-EXPUNGED-TEST-RAN > /dev/console"}
                """);
        Path expunges = dir.resolve("expunges.yaml");
        Files.writeString(expunges, """
                expunges:
                  - {suite: command, tests: [never-run], action: skip, reason: known to hang}
                  - {suite: command, tests: [known-bad], action: xfail, reason: known failure}
                """);
        Map<Integer, Path> results = new TreeMap<>();
        Map<Integer, Integer> codes = new TreeMap<>();
        Map<Integer, String> errs = new TreeMap<>();
        for (int jobs : new int[] {1, 2}) {
            Path r = dir.resolve("jobs-" + jobs);
            KbootProcess k = KbootProcess.start(dir.resolve("runtime-" + jobs), "test", KbootProcess.SAMPLE.toString(),
                    "--suite", "kselftest:" + kselftests, "--suite", "command:" + commands, "--expunges", expunges.toString(), "--results", r.toString(),
                    "--jobs", Integer.toString(jobs), "--cpus", "1", "--memory", "512M");
            codes.put(jobs, k.await(Duration.ofMinutes(15)));
            errs.put(jobs, k.err());
            k.assertNothingLeft();
            results.put(jobs, r);
        }
        Map<String, String> one = statuses(results.get(1));
        assertEquals(10, one.size(), one.toString());
        assertEquals("xfail", one.get("command/known-bad"));
        assertEquals("expunged", one.get("command/never-run"));
        assertEquals("fail", one.get("command/fails"));
        assertEquals("skip", one.get("command/skips"));
        assertEquals("pass", one.get("kselftest/size/get_size"));
        assertEquals(1, codes.get(1), errs.get(1));
        assertEquals(codes.get(1), codes.get(2), "the exit code: " + errs.get(2));
        assertEquals(one, statuses(results.get(2)), "every test's status");
        assertEquals(verdict(results.get(1)), verdict(results.get(2)), "the verdict");
        assertTrue(errs.get(2).contains("2 guests in parallel"), errs.get(2));

        // Each guest ran its own part, together each test once, each with its own console.
        Set<String> ran = new HashSet<>();
        for (int i = 1; i <= 2; i++) {
            Path g = results.get(2).resolve("guest-" + i);
            JsonNode part = JSON.readTree(g.resolve("results.json").toFile());
            assertEquals(i, part.path("shard").path("index").asInt());
            assertEquals(2, part.path("shard").path("count").asInt());
            int mine = 0;
            for (JsonNode t : part.path("tests")) {
                if (t.path("status").asText().equals("expunged")) {
                    continue; // every guest records the expunged tests of its plan
                }
                assertTrue(ran.add(t.path("id").asText()), t.path("id").asText() + " ran on two guests");
                mine++;
            }
            assertTrue(mine > 0, "guest " + i + " ran nothing: " + part);
            String console = Files.readString(g.resolve("console.log"));
            assertTrue(console.contains("KBOOT-SAMPLE: stage 2 reached"), "guest " + i + "'s console log");
            assertTrue(!console.contains("KBOOT-EXPUNGED-TEST-RAN"), "an expunged test ran on guest " + i);
        }
        Set<String> notExpunged = new java.util.TreeSet<>(one.keySet());
        notExpunged.remove("command/never-run");
        assertEquals(notExpunged, ran);
        List<String> lines = Files.readAllLines(results.get(2).resolve("summary.txt"));
        assertTrue(lines.stream().anyMatch(l -> l.contains("merged from 2 of 2 shards")), lines.toString());
    }
}
