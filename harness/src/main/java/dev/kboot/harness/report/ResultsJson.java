package dev.kboot.harness.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Sharding;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.shard.Partition;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * kboot's results.json, schema {@value #SCHEMA} (documented in {@code docs/results-schema.md}):
 * writing a {@link RunResult} and reading one back. Computed fields ({@code complete},
 * {@code counts}, {@code verdict}) are written for other readers and ignored when reading.
 */
public final class ResultsJson {
    /** The schema key's value; a reader accepts any {@code kboot-results/1.x}. */
    public static final String SCHEMA = "kboot-results/1";
    private static final com.fasterxml.jackson.databind.node.JsonNodeFactory NODES = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;

    /** The mapper, built on first write only: reading needs none ({@link JsonTrees}). */
    private static final class Writer {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        /** One line: a results.journal entry. */
        static final com.fasterxml.jackson.databind.ObjectWriter COMPACT = MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);
    }

    /**
     * @param node a JSON value
     * @return it on one line (a newline in a string is escaped), UTF-8, without a line end
     */
    static byte[] line(JsonNode node) {
        try {
            return Writer.COMPACT.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render a results.journal line", e);
        }
    }

    private ResultsJson() {
    }

    private static Double timeoutFactor(JsonNode run, Path file) {
        JsonNode f = run.get("timeoutFactor");
        if (f == null || f.isNull()) {
            return null;
        }
        if (!f.isNumber() || f.asDouble() <= 0) {
            throw KbootException.badInput(file, "run.timeoutFactor", "expected a positive number, found " + f);
        }
        return f.asDouble();
    }

    /**
     * @param run        the run
     * @param comparison the run against its baseline, or null
     * @param baseline   where the baseline came from (for the record), or null
     * @return the results.json text, UTF-8, pretty-printed, ending with a newline
     */
    public static String write(RunResult run, Comparison comparison, String baseline) {
        return write(run, comparison, baseline, null);
    }

    /**
     * As {@link #write(RunResult, Comparison, String)}, for a {@link RunRecorder}'s rewrite while the
     * run goes: with {@code journalSeq}, the last results.journal line the run holds.
     *
     * @param journalSeq the {@code seq} of the last journal line folded into {@code run} (0: none yet),
     *                   or null for no journal
     * @return the results.json text
     */
    static String write(RunResult run, Comparison comparison, String baseline, Long journalSeq) {
        ObjectNode root = NODES.objectNode();
        root.put("schema", SCHEMA);
        if (journalSeq != null) {
            root.put("journalSeq", journalSeq);
        }
        RunInfo i = run.info();
        ObjectNode r = root.putObject("run");
        r.put("kbootVersion", i.kbootVersion());
        r.put("kernelRelease", i.kernelRelease());
        r.put("kernelCmdline", i.kernelCmdline());
        r.put("bootspecLabel", i.bootspecLabel());
        r.put("bootspecToplevel", i.bootspecToplevel());
        r.put("qemuVersion", i.qemuVersion());
        r.put("accelerator", i.accelerator());
        r.put("timeoutFactor", i.timeoutFactor());
        ObjectNode phases = r.putObject("phaseTimingsMs");
        i.phaseTimingsMs().forEach(phases::put);
        r.put("startTime", i.startTime() == null ? null : i.startTime().toString());
        r.put("endTime", i.endTime() == null ? null : i.endTime().toString());
        r.put("finished", run.finished());
        ArrayNode suites = r.putArray("suites");
        run.suites().forEach(suites::add);
        if (run.sharding() != null) {
            sharding(root, run.sharding());
        }
        root.put("complete", run.complete());
        ArrayNode inc = root.putArray("incomplete");
        run.incomplete().forEach(inc::add);
        ArrayNode reasons = root.putArray("incompleteReasons");
        run.incompleteReasons().forEach(reasons::add);
        ArrayNode problems = root.putArray("problems");
        run.problems().forEach(problems::add);
        ObjectNode counts = root.putObject("counts");
        run.counts().forEach((s, n) -> counts.put(s.key(), n));
        Verdict v = Verdict.of(run, comparison);
        ObjectNode verdict = root.putObject("verdict");
        verdict.put("exitCode", v.exitCode().code());
        verdict.put("headline", v.headline());
        ArrayNode ri = root.putArray("incidents");
        run.incidents().forEach(x -> ri.add(incident(x)));
        ArrayNode tests = root.putArray("tests");
        for (TestResult t : run.tests()) {
            tests.add(test(t));
        }
        if (comparison != null) {
            ObjectNode c = root.putObject("comparison");
            c.put("baseline", baseline);
            ObjectNode cc = c.putObject("counts");
            comparison.counts().forEach((k, n) -> cc.put(k.key(), n));
            ArrayNode ct = c.putArray("tests");
            for (Comparison.Entry e : comparison.tests()) {
                ObjectNode o = ct.addObject();
                o.put("id", e.id().toString());
                o.put("base", e.base() == null ? null : e.base().key());
                o.put("head", e.head() == null ? null : e.head().key());
                o.put("change", e.change().key());
            }
            ArrayNode cr = c.putArray("crashes");
            for (Comparison.Crash x : comparison.crashes()) {
                ObjectNode o = cr.addObject();
                o.put("title", x.title());
                o.put("signature", x.signature());
                o.put("fatal", x.fatal());
                ArrayNode w = o.putArray("tests");
                x.where().forEach(w::add);
                o.put("change", x.change().key());
            }
        }
        try {
            return Writer.MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render results.json", e);
        }
    }

    /**
     * One test as results.json's {@code tests[]} holds it (and a results.journal line's {@code test}).
     *
     * @param t the result
     * @return {@code {id, path, status, rawStatus, reason, durationMs, unstable, artifacts, incidents, excerpt}}
     */
    static ObjectNode test(TestResult t) {
        ObjectNode o = NODES.objectNode();
        o.put("id", t.id().toString());
        ArrayNode segs = o.putArray("path");
        t.id().segments().forEach(segs::add);
        o.put("status", t.status().key());
        o.put("rawStatus", t.rawStatus());
        o.put("reason", t.reason());
        if (t.durationMs() == null) {
            o.putNull("durationMs");
        } else {
            o.put("durationMs", t.durationMs());
        }
        o.put("unstable", t.unstable());
        ArrayNode arts = o.putArray("artifacts");
        t.artifacts().forEach(arts::add);
        ArrayNode ti = o.putArray("incidents");
        t.incidents().forEach(x -> ti.add(incident(x)));
        o.put("excerpt", t.excerpt());
        return o;
    }

    /** {@code shard} in a shard's results, {@code merged} in a merge's (docs/results-schema.md). */
    private static void sharding(ObjectNode root, Sharding s) {
        ObjectNode o = root.putObject(s.merged() ? "merged" : "shard");
        if (!s.merged()) {
            o.put("index", s.index());
        }
        o.put("count", s.count());
        o.put("fingerprint", s.fingerprint());
        o.put("balance", s.balance());
        if (s.units() == null) {
            o.putNull("units");
        } else {
            ArrayNode us = o.putArray("units");
            for (Partition.Unit u : s.units()) {
                us.addObject().put("key", u.key()).put("weight", u.weight());
            }
        }
        if (s.merged()) {
            ArrayNode ps = o.putArray("shards");
            for (Sharding.Part p : s.parts()) {
                ps.addObject().put("index", p.index()).put("source", p.source()).put("finished", p.finished());
            }
        }
    }

    private static Sharding sharding(JsonNode root, Path file) {
        boolean merged = root.hasNonNull("merged");
        String at = merged ? "merged" : "shard";
        JsonNode o = root.get(at);
        if (o == null || o.isNull()) {
            return null;
        }
        if (!o.isObject()) {
            throw KbootException.badInput(file, at, "expected an object");
        }
        int count = integer(o, "count", at, file);
        int index = merged ? 0 : integer(o, "index", at, file);
        if (count < 1 || index < 0 || index > count || (!merged && index < 1)) {
            throw KbootException.badInput(file, at + (merged ? ".count" : ".index"),
                    "expected a shard I/N with 1 <= I <= N, found " + index + "/" + count);
        }
        List<Partition.Unit> units = null;
        JsonNode us = o.get("units");
        if (us != null && !us.isNull()) {
            if (!us.isArray()) {
                throw KbootException.badInput(file, at + ".units", "expected an array of {key, weight}");
            }
            units = new ArrayList<>();
            for (int k = 0; k < us.size(); k++) {
                String w = at + ".units[" + k + "]";
                JsonNode u = us.get(k);
                if (!u.isObject() || !u.path("key").isTextual() || !u.path("weight").canConvertToLong() || u.path("weight").asLong() < 0) {
                    throw KbootException.badInput(file, w, "expected {key: a test or suite id, weight: a number >= 0}");
                }
                try {
                    units.add(new Partition.Unit(u.get("key").asText(), u.get("weight").asLong()));
                } catch (IllegalArgumentException e) {
                    throw KbootException.badInput(file, w + ".key", "expected " + e.getMessage());
                }
            }
        }
        List<Sharding.Part> parts = new ArrayList<>();
        if (merged) {
            JsonNode ps = o.path("shards");
            for (int k = 0; k < ps.size(); k++) {
                JsonNode p = ps.get(k);
                parts.add(new Sharding.Part(p.path("index").asInt(k + 1), p.path("source").isTextual() ? p.get("source").asText() : null,
                        p.path("finished").asBoolean(false)));
            }
        }
        Sharding s = new Sharding(index, count, units, str(o, "balance", file, false, at), parts);
        String written = str(o, "fingerprint", file, false, at);
        if (s.fingerprint() != null && !s.fingerprint().equals(written)) {
            throw KbootException.badInput(file, at + ".fingerprint", "expected " + s.fingerprint() + " (computed from " + at
                    + ".units and " + at + ".count), found " + written + ": the file was changed");
        }
        return s;
    }

    private static int integer(JsonNode o, String f, String at, Path file) {
        JsonNode v = o.get(f);
        if (v == null || !v.canConvertToInt()) {
            throw KbootException.badInput(file, at + "." + f, "expected a whole number");
        }
        return v.asInt();
    }

    private static ObjectNode incident(Incident i) {
        ObjectNode o = NODES.objectNode();
        o.put("signature", i.signature());
        o.put("title", i.title());
        o.put("fatal", i.fatal());
        o.put("expected", i.expected());
        o.put("line", i.line());
        o.put("elapsedMs", i.elapsedMs());
        o.put("excerpt", i.excerpt());
        return o;
    }

    /**
     * Reads a results.json, or the results.json in a results directory; for a run that did not finish
     * ({@code run.finished} false) and whose results.json has a {@code journalSeq}, with the results
     * the results.journal beside it holds past that point folded in ({@link ResultsJournal#fold}), so
     * that a run killed (SIGKILL, a host crash) between two rewrites of results.json still shows every
     * test that finished.
     *
     * @param path the file or the directory holding it
     * @return the run
     * @throws KbootException exit 66 if it is missing, 65 naming the field (or the journal's line) if
     *                        it is malformed
     */
    public static RunResult read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(ResultsDirectory.RESULTS_JSON) : path;
        if (!Files.isRegularFile(file)) {
            throw KbootException.missing("results file", file);
        }
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw KbootException.missing("results file (unreadable: " + e.getMessage() + ")", file);
        }
        JsonNode root = tree(json, file);
        RunResult run = parse(root, file);
        JsonNode seq = root.get("journalSeq");
        if (run.finished() || seq == null || seq.isNull()) {
            return run; // a finished run's results.json holds everything; only a RunRecorder's has a journal
        }
        if (!seq.canConvertToLong() || seq.asLong() < 0) {
            throw KbootException.badInput(file, "journalSeq", "expected a whole number >= 0, found " + seq);
        }
        return ResultsJournal.fold(run, seq.asLong(), file.resolveSibling(ResultsDirectory.RESULTS_JOURNAL));
    }

    /**
     * Parses the text of a results.json alone (no journal folded in: {@link #read} does that).
     *
     * @param json the text of a results.json
     * @param file its name, for messages
     * @return the run
     * @throws KbootException exit 65 naming file, field and what was expected if it is malformed
     */
    public static RunResult parse(String json, Path file) {
        return parse(tree(json, file), file);
    }

    private static JsonNode tree(String json, Path file) {
        try {
            return JsonTrees.read(json);
        } catch (JsonProcessingException e) {
            throw KbootException.badInput(file, null, "expected JSON, found a syntax error at line "
                    + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
        }
    }

    private static RunResult parse(JsonNode root, Path file) {
        if (root == null || !root.isObject()) {
            throw KbootException.badInput(file, null, "expected a JSON object");
        }
        String schema = str(root, "schema", file, true);
        if (!schema.equals(SCHEMA) && !schema.startsWith(SCHEMA + ".")) {
            throw KbootException.badInput(file, "schema", "expected '" + SCHEMA + "', found '" + schema + "'");
        }
        JsonNode r = obj(root, "run", file);
        Map<String, Long> phases = new LinkedHashMap<>();
        JsonNode ph = r.get("phaseTimingsMs");
        if (ph != null && !ph.isNull()) {
            if (!ph.isObject()) {
                throw KbootException.badInput(file, "run.phaseTimingsMs", "expected an object of phase name to ms");
            }
            Iterator<Map.Entry<String, JsonNode>> it = ph.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().canConvertToLong()) {
                    throw KbootException.badInput(file, "run.phaseTimingsMs." + e.getKey(), "expected a number of ms");
                }
                phases.put(e.getKey(), e.getValue().asLong());
            }
        }
        RunInfo info = new RunInfo(str(r, "kernelRelease", file, false), str(r, "kernelCmdline", file, false),
                str(r, "bootspecLabel", file, false), str(r, "bootspecToplevel", file, false), str(r, "qemuVersion", file, false),
                str(r, "accelerator", file, false), str(r, "kbootVersion", file, false), phases,
                instant(r, "startTime", file), instant(r, "endTime", file), timeoutFactor(r, file));
        boolean finished = r.path("finished").asBoolean(false);
        List<String> suites = strings(r.get("suites"), "run.suites", file);
        List<String> incomplete = strings(root.get("incomplete"), "incomplete", file);
        List<String> problems = strings(root.get("problems"), "problems", file);
        List<Incident> incidents = incidents(root.get("incidents"), "incidents", file);
        JsonNode tests = root.get("tests");
        if (tests == null || !tests.isArray()) {
            throw KbootException.badInput(file, "tests", "expected an array of test results");
        }
        List<TestResult> out = new ArrayList<>();
        for (int k = 0; k < tests.size(); k++) {
            out.add(test(tests.get(k), "tests[" + k + "]", file));
        }
        return new RunResult(info, suites, out, incomplete, problems, incidents, finished, sharding(root, file));
    }

    /**
     * Reads one test as {@link #test(TestResult)} writes it.
     *
     * @param t    the object
     * @param at   where it is, for messages ({@code tests[3]})
     * @param file the file it is in, for messages
     * @return the result
     * @throws KbootException exit 65 naming the file, the field and what was expected
     */
    static TestResult test(JsonNode t, String at, Path file) {
        if (!t.isObject()) {
            throw KbootException.badInput(file, at, "expected an object");
        }
        TestId id;
        JsonNode path = t.get("path");
        try {
            if (path != null && path.isArray() && path.size() > 0) {
                id = new TestId(strings(path, at + ".path", file));
            } else {
                id = TestId.parse(str(t, "id", file, true, at));
            }
        } catch (IllegalArgumentException e) {
            throw KbootException.badInput(file, at + ".id", "expected suite/level/test, " + e.getMessage());
        }
        String s = str(t, "status", file, true, at);
        Status status;
        try {
            status = Status.ofKey(s);
        } catch (IllegalArgumentException e) {
            throw KbootException.badInput(file, at + ".status", "expected one of pass, fail, timeout, crash, error, skip, xfail, xpass, expunged, miss, found '" + s + "'");
        }
        JsonNode d = t.get("durationMs");
        Long ms = d == null || d.isNull() ? null : d.canConvertToLong() ? d.asLong() : null;
        if (d != null && !d.isNull() && !d.canConvertToLong()) {
            throw KbootException.badInput(file, at + ".durationMs", "expected a number of ms or null");
        }
        return new TestResult(id, status, str(t, "rawStatus", file, false, at), str(t, "reason", file, false, at), ms,
                str(t, "excerpt", file, false, at), strings(t.get("artifacts"), at + ".artifacts", file),
                incidents(t.get("incidents"), at + ".incidents", file), t.path("unstable").asBoolean(false));
    }

    private static JsonNode obj(JsonNode n, String f, Path file) {
        JsonNode v = n.get(f);
        if (v == null || !v.isObject()) {
            throw KbootException.badInput(file, f, "expected an object");
        }
        return v;
    }

    private static String str(JsonNode n, String f, Path file, boolean required) {
        return str(n, f, file, required, null);
    }

    private static String str(JsonNode n, String f, Path file, boolean required, String at) {
        String where = at == null ? f : at + "." + f;
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) {
            if (required) {
                throw KbootException.badInput(file, where, "expected a string, found nothing");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw KbootException.badInput(file, where, "expected a string, found " + v.getNodeType().toString().toLowerCase());
        }
        return v.asText();
    }

    private static Instant instant(JsonNode n, String f, Path file) {
        String s = str(n, f, file, false, "run");
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw KbootException.badInput(file, "run." + f, "expected an ISO-8601 instant (2026-01-31T12:00:00Z), found '" + s + "'");
        }
    }

    private static List<String> strings(JsonNode n, String at, Path file) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw KbootException.badInput(file, at, "expected an array of strings");
        }
        for (int k = 0; k < n.size(); k++) {
            if (!n.get(k).isTextual()) {
                throw KbootException.badInput(file, at + "[" + k + "]", "expected a string");
            }
            out.add(n.get(k).asText());
        }
        return out;
    }

    private static List<Incident> incidents(JsonNode n, String at, Path file) {
        List<Incident> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw KbootException.badInput(file, at, "expected an array of incidents");
        }
        for (int k = 0; k < n.size(); k++) {
            JsonNode i = n.get(k);
            String w = at + "[" + k + "]";
            if (!i.isObject()) {
                throw KbootException.badInput(file, w, "expected an object");
            }
            out.add(new Incident(str(i, "signature", file, true, w), i.path("fatal").asBoolean(false), str(i, "line", file, false, w),
                    i.path("elapsedMs").asLong(0), str(i, "excerpt", file, false, w), str(i, "title", file, false, w),
                    i.path("expected").asBoolean(false)));
        }
        return out;
    }

    /**
     * Reads the baseline comparison a results.json holds (written by a run with {@code --baseline}).
     *
     * @param path the file or the directory holding it
     * @return the comparison and where its baseline came from, or empty when the run had no baseline
     * @throws KbootException exit 66 if it is missing, 65 naming the field if the comparison is malformed
     */
    public static java.util.Optional<Map.Entry<Comparison, String>> readComparison(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(ResultsDirectory.RESULTS_JSON) : path;
        JsonNode c;
        try {
            c = JsonTrees.read(Files.readString(file, StandardCharsets.UTF_8)).get("comparison");
        } catch (IOException e) {
            throw KbootException.missing("results file (unreadable: " + e.getMessage() + ")", file);
        }
        if (c == null || c.isNull()) {
            return java.util.Optional.empty();
        }
        JsonNode tests = c.get("tests");
        if (tests == null || !tests.isArray()) {
            throw KbootException.badInput(file, "comparison.tests", "expected an array of {id, base, head, change}");
        }
        List<Comparison.Entry> entries = new ArrayList<>();
        for (int k = 0; k < tests.size(); k++) {
            JsonNode t = tests.get(k);
            String at = "comparison.tests[" + k + "]";
            try {
                String change = t.path("change").asText().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
                entries.add(new Comparison.Entry(TestId.parse(t.path("id").asText()), status(t.get("base")), status(t.get("head")),
                        dev.kboot.harness.baseline.Change.valueOf(change)));
            } catch (IllegalArgumentException e) {
                throw KbootException.badInput(file, at, "expected {id, base, head, change} with known statuses and changes: " + e.getMessage());
            }
        }
        String baseline = c.path("baseline").isTextual() ? c.path("baseline").asText() : null;
        return java.util.Optional.of(Map.entry(new Comparison(entries), baseline == null ? "" : baseline));
    }

    private static Status status(JsonNode n) {
        return n == null || n.isNull() ? null : Status.ofKey(n.asText());
    }
}
