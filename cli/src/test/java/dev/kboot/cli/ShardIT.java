package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * End to end on the sample closure: {@code kboot test --shard 1/3, 2/3, 3/3} as three kboot
 * processes in parallel (with a single-host run of the same suites beside them), merged with
 * {@code kboot results merge}: the merge equals the single host's run in every test's status, the
 * verdict, junit.xml and the baseline comparison; a merge with one shard missing exits 2 with that
 * shard's tests MISS. Lean on purpose: a few kselftests and commands, one-vCPU guests.
 */
class ShardIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void sample() {
        KbootProcess.assertSampleExists();
    }

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    private static Map<String, String> statuses(Path results) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode t : JSON.readTree(results.resolve("results.json").toFile()).path("tests")) {
            out.put(t.path("id").asText(), t.path("status").asText());
        }
        return out;
    }

    private static Set<String> comparison(Path results) throws Exception {
        Set<String> out = new TreeSet<>();
        for (JsonNode e : JSON.readTree(results.resolve("results.json").toFile()).path("comparison").path("tests")) {
            out.add(e.path("id").asText() + " " + e.path("base").asText() + " " + e.path("head").asText() + " " + e.path("change").asText());
        }
        return out;
    }

    private static JsonNode verdict(Path results) throws Exception {
        return JSON.readTree(results.resolve("results.json").toFile()).path("verdict");
    }

    private static Set<String> junitCases(Path results) throws Exception {
        NodeList cases = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(results.resolve("junit.xml").toFile())
                .getElementsByTagName("testcase");
        Set<String> out = new TreeSet<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element e = (Element) cases.item(i);
            String outcome = e.getElementsByTagName("failure").getLength() > 0 ? "failure"
                    : e.getElementsByTagName("error").getLength() > 0 ? "error" : e.getElementsByTagName("skipped").getLength() > 0 ? "skipped" : "pass";
            out.add(e.getAttribute("classname") + " " + e.getAttribute("name") + " " + outcome);
        }
        return out;
    }

    @Test
    void threeShardsInParallelMergeToTheSingleHostRunAndAMissingShardIsIncomplete() throws Exception {
        Path kselftests = write("kselftest.yaml", """
                test-timeout: 300s
                tests: [size:get_size, proc:proc-uptime-001, proc:self, exec:null-argv, vDSO:vdso_test_getcpu, sync:sync_test]
                """);
        Path commands = write("commands.yaml", """
                tests:
                  - {name: ok-1, command: "true"}
                  - {name: ok-2, command: "test -d /proc/self"}
                  - {name: ok-3, command: "uname -r"}
                  - {name: ok-4, command: "grep -q ' /nix/store virtiofs ' /proc/mounts"}
                  - {name: fails, command: "echo 'wanted 42, got 41' >&2; exit 1"}
                  - {name: known-bad, command: "exit 1"}
                  - {name: skips, command: "exit 4"}
                  - {name: never-run, command: "echo KBOOT-EXPUNGED-TEST-RAN > /dev/console"}
                """);
        Path expunges = write("expunges.yaml", """
                expunges:
                  - suite: command
                    tests: [never-run]
                    action: skip
                    reason: known to hang
                  - suite: command
                    tests: [known-bad]
                    action: xfail
                    reason: known failure
                """);
        // An earlier run in which command/fails passed: it is a regression now.
        Path baseline = write("baseline.json", """
                {"schema": "kboot-results/1", "run": {"finished": true, "suites": []}, "tests": [
                  {"id": "command/fails", "status": "pass"}, {"id": "command/ok-1", "status": "pass"},
                  {"id": "kselftest/size/get_size", "status": "pass"}, {"id": "command/gone", "status": "pass"}]}
                """);
        List<String> common = List.of("--suite", "kselftest:" + kselftests, "--suite", "command:" + commands, "--expunges", expunges.toString(),
                "--baseline", baseline.toString(), "--cpus", "1", "--memory", "512M", "--quiet");
        List<KbootProcess> runs = new ArrayList<>();
        List<Path> results = new ArrayList<>();
        for (int i = 0; i <= 3; i++) {
            Path r = dir.resolve(i == 0 ? "single" : "shard-" + i);
            results.add(r);
            List<String> args = new ArrayList<>(List.of("test", KbootProcess.SAMPLE.toString(), "--results", r.toString()));
            args.addAll(common);
            if (i > 0) {
                args.addAll(List.of("--shard", i + "/3"));
            }
            runs.add(KbootProcess.start(dir.resolve("runtime-" + i), args.toArray(String[]::new)));
        }
        List<Integer> codes = new ArrayList<>();
        for (KbootProcess k : runs) {
            codes.add(k.await(Duration.ofMinutes(15)));
        }
        for (int i = 0; i <= 3; i++) {
            boolean regressed = statuses(results.get(i)).containsKey("command/fails");
            assertEquals(regressed ? 1 : 0, codes.get(i), "the run holding the regression fails, the others pass: " + runs.get(i).err());
        }
        Path single = results.get(0);
        Map<String, String> expected = statuses(single);
        assertEquals("fail", expected.get("command/fails"));
        assertEquals("xfail", expected.get("command/known-bad"));
        assertEquals("expunged", expected.get("command/never-run"));
        assertEquals("skip", expected.get("command/skips"));
        assertEquals("pass", expected.get("kselftest/size/get_size"));
        assertEquals(14, expected.size(), expected.toString());
        assertTrue(verdict(single).path("headline").asText().startsWith("FAILED: 1 regression"), verdict(single).toString());

        // Each shard ran only its own tests, and together they ran each test once.
        Set<String> ran = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            JsonNode shard = JSON.readTree(results.get(i).resolve("results.json").toFile());
            assertEquals(i, shard.path("shard").path("index").asInt());
            assertEquals(3, shard.path("shard").path("count").asInt());
            assertEquals(JSON.readTree(results.get(1).resolve("results.json").toFile()).path("shard").path("fingerprint"),
                    shard.path("shard").path("fingerprint"), "every shard computed the same partition");
            for (JsonNode t : shard.path("tests")) {
                if (!t.path("status").asText().equals("expunged")) {
                    assertTrue(ran.add(t.path("id").asText()), t.path("id").asText() + " ran in two shards");
                }
            }
            assertFalse(Files.readString(results.get(i).resolve("console.log")).contains("KBOOT-EXPUNGED-TEST-RAN"));
        }
        assertEquals(13, ran.size(), ran.toString());

        Path merged = dir.resolve("merged");
        Cli m = Cli.run("results", "merge", results.get(3).toString(), results.get(1).toString(), results.get(2).toString(),
                "--results", merged.toString(), "--baseline", baseline.toString());
        assertEquals(1, m.code(), m.out() + m.err());
        assertEquals(expected, statuses(merged), "every test's status");
        assertEquals(verdict(single), verdict(merged), "the verdict");
        assertEquals(junitCases(single), junitCases(merged), "junit.xml");
        assertEquals(comparison(single), comparison(merged), "the baseline comparison");
        assertTrue(comparison(merged).contains("command/gone pass null missing"), comparison(merged).toString());

        Path partial = dir.resolve("partial");
        Cli p = Cli.run("results", "merge", results.get(1).toString(), results.get(3).toString(), "--results", partial.toString());
        assertEquals(2, p.code(), p.out() + p.err());
        Map<String, String> st = statuses(partial);
        JsonNode second = JSON.readTree(results.get(2).resolve("results.json").toFile());
        int owned = 0;
        for (JsonNode t : second.path("tests")) {
            if (!t.path("status").asText().equals("expunged")) {
                assertEquals("miss", st.get(t.path("id").asText()), t.path("id").asText() + " of the missing shard");
                owned++;
            }
        }
        assertTrue(owned > 0);
        assertTrue(p.out().contains("shard 2/3 is missing: its " + owned + " test"), p.out());
        for (KbootProcess k : runs) {
            k.assertNothingLeft();
        }
    }
}
