package dev.kboot.harness.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.kboot.harness.Captured;
import dev.kboot.harness.crash.CrashAttribution;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.FstestsParser;
import dev.kboot.harness.parse.KselftestParser;
import dev.kboot.harness.parse.KunitParser;
import dev.kboot.harness.parse.Lines;
import dev.kboot.harness.parse.Located;
import dev.kboot.harness.shard.Merge;
import dev.kboot.harness.shard.MergeTestSupport;
import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The KCIDB export against KCIDB's own published JSON schema v4.5 (kernelci/kcidb-io, kept in
 * src/test/resources/kcidb with its source named), validated by com.networknt:json-schema-validator
 * (draft-07, format assertions on), for passing, failing and crashed runs of real captured output.
 */
class KcidbJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static Schema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        try (InputStream in = KcidbJsonTest.class.getResourceAsStream("/kcidb/kcidb-io.schema.v4.5.json")) {
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(JSON.readTree(in));
        }
    }

    static List<Error> validate(JsonNode doc) {
        return schema.validate(doc, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
    }

    static JsonNode valid(String json) throws IOException {
        JsonNode doc = JSON.readTree(json);
        List<Error> errors = validate(doc);
        assertEquals(List.of(), errors.stream().map(Error::toString).toList(), json.length() > 4000 ? json.substring(0, 4000) : json);
        return doc;
    }

    static RunInfo info() {
        return new RunInfo("6.1.0-56-amd64", "console=ttyS0 panic=-1", "NixOS 24.05 (Linux 6.1.192)", "/nix/store/aaaa-nixos-system",
                "QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18)", "tcg (KVM unusable: probe boot hung)", "0.1.0", Map.of(),
                Instant.parse("2026-11-22T10:00:00Z"), Instant.parse("2026-11-22T10:07:00Z"), 4.0);
    }

    static RunResult run(String suite, List<TestResult> tests) {
        return new RunResult(info(), List.of(suite), tests, List.of(), List.of(), List.of(), true);
    }

    static final KcidbJson.Options OPTIONS = new KcidbJson.Options("kboot_ci", null, null, null, null, null);

    static Map<String, String> statuses(JsonNode doc) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        doc.path("tests").forEach(t -> m.put(t.path("path").asText(), t.path("status").asText()));
        return m;
    }

    @Test
    void aPassingRunValidates() throws IOException {
        RunResult run = run("kselftest", KselftestParser.parse(Captured.text("kselftest/timers.tap")));
        JsonNode doc = valid(KcidbJson.write(run, OPTIONS));
        assertEquals(4, doc.path("version").path("major").asInt());
        assertEquals(9, doc.path("tests").size());
        assertEquals("PASS", statuses(doc).get("kselftest.timers.nanosleep"));
        assertEquals("SKIP", statuses(doc).get("kselftest.timers.rtcpie"));
        JsonNode t = doc.path("tests").get(0);
        assertEquals(doc.path("builds").get(0).path("id").asText(), t.path("build_id").asText());
        assertEquals(doc.path("checkouts").get(0).path("id").asText(), doc.path("builds").get(0).path("checkout_id").asText());
        assertEquals("kboot_ci:linux-6.1.0-56-amd64", doc.path("checkouts").get(0).path("id").asText());
        String env = t.path("environment").path("comment").asText();
        assertTrue(env.contains("Linux 6.1.0-56-amd64") && env.contains("accelerator tcg"), env);
        assertEquals("6.1.0-56-amd64", t.path("environment").path("misc").path("kernel_release").asText());
    }

    @Test
    void aFailingRunValidatesAndItsFailuresAreFail() throws IOException {
        RunResult run = run("kselftest", KselftestParser.parse(Captured.text("kselftest/multi.tap")));
        JsonNode doc = valid(KcidbJson.write(run, new KcidbJson.Options("kboot_ci", "kboot_ci:abc", "b1", "0123456789abcdef0123456789abcdef01234567",
                "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git", null)));
        assertEquals("FAIL", statuses(doc).get("kselftest.exec.execveat"));
        assertEquals("kboot_ci:b1", doc.path("builds").get(0).path("id").asText(), "an id without an origin gets --origin");
        assertEquals("0123456789abcdef0123456789abcdef01234567", doc.path("checkouts").get(0).path("git_commit_hash").asText());
        JsonNode execveat = null;
        for (JsonNode t : doc.path("tests")) {
            if (t.path("path").asText().equals("kselftest.exec.execveat")) {
                execveat = t;
            }
        }
        assertEquals("fail", execveat.path("misc").path("kboot_status").asText());
        assertTrue(execveat.path("misc").path("raw_status").asText().startsWith("not ok"), execveat.toString());
    }

    @Test
    void aCrashedRunValidatesTheCrashIsFailWithItsIncidentAndTheRestMiss() throws IOException {
        String log = Captured.text("kunit/test_kernel_panic_interrupt.log");
        List<Located> l = KunitParser.parseLocated(log);
        CrashAttribution.Outcome o = CrashAttribution.attribute(Located.results(l), CrashAttribution.windows(l),
                CrashAttribution.watchLines(Lines.split(log)));
        RunResult run = new RunResult(info(), List.of("kunit"), o.tests(), o.incomplete(), List.of(), o.unattributed(), true);
        JsonNode doc = valid(KcidbJson.write(run, OPTIONS));
        Map<String, String> st = statuses(doc);
        assertEquals("FAIL", st.get("kunit.string-stream-test._2"));
        assertEquals("MISS", st.get("kunit.string-stream-test._3"));
        String all = doc.toString();
        assertTrue(all.contains("\"kboot_status\":\"crash\""), all);
        assertTrue(all.contains("Kernel panic"), all);
    }

    @Test
    void everyKbootStatusMapsAndValidatesWithLogsAndArtifacts() throws IOException {
        List<TestResult> tests = new ArrayList<>();
        for (Status s : Status.values()) {
            tests.add(TestResult.of(TestId.of("command", s.key()), s, "raw " + s.key(), "because " + s.key()).withDuration(1234L)
                    .withExcerpt("line 1\nline 2 \u00e9\u0001\n"));
        }
        tests.set(0, tests.get(0).withArtifacts(List.of("artifacts/fstests/results/global/generic/001.out.bad", "artifacts/x/a b.full"))
                .withIncident(new Incident("WARNING", false, "[   12.345678] WARNING: CPU: 1 PID: 459 at fs/btrfs/inode.c:3119", 12345, "WARNING: ...")));
        tests.addAll(FstestsParser.parse(Captured.path("fstests/result.xml")));
        RunResult run = run("command", tests);
        JsonNode doc = valid(KcidbJson.write(run, new KcidbJson.Options("kboot_ci", null, null, null, null, "https://ci.example.org/runs/42/")));
        Map<String, String> st = statuses(doc);
        Map<Status, String> expected = Map.of(Status.PASS, "PASS", Status.FAIL, "FAIL", Status.TIMEOUT, "FAIL", Status.CRASH, "FAIL",
                Status.ERROR, "ERROR", Status.SKIP, "SKIP", Status.XFAIL, "FAIL", Status.XPASS, "PASS", Status.EXPUNGED, "SKIP", Status.MISS, "MISS");
        Set<String> kcidb = new java.util.TreeSet<>();
        for (Status s : Status.values()) {
            assertEquals(expected.get(s), st.get("command." + s.key()), s.toString());
            assertEquals(expected.get(s), KcidbJson.status(s));
            kcidb.add(KcidbJson.status(s));
        }
        assertEquals(Set.of("PASS", "FAIL", "ERROR", "SKIP", "MISS"), kcidb);
        JsonNode pass = doc.path("tests").get(0);
        assertEquals("https://ci.example.org/runs/42/console.log", pass.path("log_url").asText());
        assertEquals("001.out.bad", pass.path("output_files").get(0).path("name").asText());
        assertEquals("https://ci.example.org/runs/42/artifacts/x/a%20b.full", pass.path("output_files").get(1).path("url").asText());
        assertEquals(1.234, pass.path("duration").asDouble());
        for (JsonNode t : doc.path("tests")) {
            boolean waived = t.path("waived").asBoolean(false);
            String kb = t.path("misc").path("kboot_status").asText();
            assertEquals(kb.equals("xfail") || kb.equals("xpass"), waived, t.toString());
        }
        assertTrue(st.containsKey("fstests.global.generic.001") || st.keySet().stream().anyMatch(p -> p.startsWith("fstests.")), st.toString());
        st.keySet().forEach(p -> assertTrue(p.matches("^[.a-zA-Z0-9_-]*$"), p));
        Set<String> ids = new java.util.HashSet<>();
        doc.path("tests").forEach(t -> assertTrue(ids.add(t.path("id").asText()), "ids are unique: " + t.path("id")));
    }

    @Test
    void aMergedRunPointsEachTestAtItsShardsConsoleLog() throws IOException {
        RunResult merged = Merge.merge(MergeTestSupport.threeShards());
        JsonNode doc = valid(KcidbJson.write(merged, new KcidbJson.Options("kboot_ci", null, null, null, null, "https://ci.example.org/r")));
        Set<String> logs = new java.util.TreeSet<>();
        doc.path("tests").forEach(t -> logs.add(t.path("log_url").asText()));
        assertTrue(logs.containsAll(Set.of("https://ci.example.org/r/shard-1/console.log", "https://ci.example.org/r/shard-2/console.log",
                "https://ci.example.org/r/shard-3/console.log")), logs.toString());
    }

    @Test
    void theValidatorRejectsWhatTheSchemaForbids() throws IOException {
        RunResult run = run("kselftest", KselftestParser.parse(Captured.text("kselftest/timers.tap")));
        ObjectNode doc = (ObjectNode) JSON.readTree(KcidbJson.write(run, OPTIONS));
        ((ObjectNode) doc.path("tests").get(0)).put("status", "TIMEOUT");
        assertFalse(validate(doc).isEmpty(), "a status outside KCIDB's six");
        ObjectNode doc2 = (ObjectNode) JSON.readTree(KcidbJson.write(run, OPTIONS));
        ((ObjectNode) doc2.path("tests").get(0)).put("path", "kselftest/timers");
        assertFalse(validate(doc2).isEmpty(), "a path with a slash");
        ObjectNode doc3 = (ObjectNode) JSON.readTree(KcidbJson.write(run, OPTIONS));
        ((ObjectNode) doc3.path("tests").get(0)).put("log_url", "not a url");
        assertFalse(validate(doc3).isEmpty(), "format uri is asserted");
        ObjectNode doc4 = (ObjectNode) JSON.readTree(KcidbJson.write(run, OPTIONS));
        ((ObjectNode) doc4.path("tests").get(0)).putNull("comment");
        assertFalse(validate(doc4).isEmpty(), "no nulls");
    }

    @Test
    void badOptionsAreUsageErrors() {
        for (String[] bad : new String[][] {{"Kboot", null, null, null}, {"kboot-ci", null, null, null}, {"k", "abc", null, null},
                {"k", null, "http://x", null}, {"k", null, null, "relative/path"}, {"k", null, null, "https://"}}) {
            KbootException e = assertThrows(KbootException.class, () -> new KcidbJson.Options(bad[0], null, null, bad[1], bad[2], bad[3]));
            assertEquals(ExitCode.USAGE, e.exitCode(), e.getMessage());
        }
    }

    @Test
    void pathsFollowKcidbsPattern() {
        assertEquals("fstests.global.generic.001", KcidbJson.path(TestResult.of(TestId.of("fstests", "global", "generic/001"), Status.PASS, "", "")));
        assertEquals("kselftest.timers._8", KcidbJson.path(TestResult.of(TestId.of("kselftest", "timers", "#8"), Status.MISS, "", "")));
        assertEquals("ltp._report_", KcidbJson.path(TestResult.of(TestId.of("ltp", "(report)"), Status.ERROR, "", "")));
        assertEquals("kunit.string-stream-test.string_stream_test_get_string",
                KcidbJson.path(TestResult.of(TestId.of("kunit", "string-stream-test", "string_stream_test_get_string"), Status.PASS, "", "")));
    }
}
