package dev.kboot.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kboot.harness.baseline.Change;
import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.TestResult;

/**
 * {@code --json} of {@code kboot results show} and {@code results compare}: the data their tables
 * show, for scripts. Shapes:
 * <pre>
 * show:    {"tests": [{"id", "status", "durationMs", "reason", "incidents": [headline]}], "counts": {status: n},
 *           "verdict": {"exitCode", "headline", "details": []}}
 * compare: {"tests": [{"id", "change", "base", "head"}], "counts": {change: n}, "verdict": {...}}
 * </pre>
 * Statuses and changes use results.json's keys ({@code pass}, {@code persistent-failure}); a test
 * absent from one side has {@code null} there.
 */
final class ResultsJsonOutput {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultsJsonOutput() {
    }

    /** @return {@code results show --json}: the tests (only those that did not pass with {@code failuresOnly}), counts, verdict */
    static String show(RunResult run, boolean failuresOnly) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode tests = root.putArray("tests");
        for (TestResult t : run.tests()) {
            if (failuresOnly && t.status().passed()) {
                continue;
            }
            ObjectNode o = tests.addObject();
            o.put("id", t.id().toString());
            o.put("status", t.status().key());
            if (t.durationMs() == null) {
                o.putNull("durationMs");
            } else {
                o.put("durationMs", t.durationMs());
            }
            o.put("reason", t.reason());
            ArrayNode inc = o.putArray("incidents");
            t.incidents().stream().map(Incident::headline).forEach(inc::add);
        }
        ObjectNode counts = root.putObject("counts");
        run.counts().forEach((s, n) -> counts.put(s.key(), n));
        verdict(root, Verdict.of(run, null));
        return render(root);
    }

    /** @return {@code results compare --json}: the classified tests (unchanged ones only with {@code all}), counts, verdict */
    static String compare(Comparison cmp, Verdict v, boolean all) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode tests = root.putArray("tests");
        for (Comparison.Entry e : cmp.tests()) {
            if (!all && e.change() == Change.UNCHANGED) {
                continue;
            }
            ObjectNode o = tests.addObject();
            o.put("id", e.id().toString());
            o.put("change", e.change().key());
            o.put("base", e.base() == null ? null : e.base().key());
            o.put("head", e.head() == null ? null : e.head().key());
        }
        ObjectNode counts = root.putObject("counts");
        cmp.counts().forEach((c, n) -> counts.put(c.key(), n));
        verdict(root, v);
        return render(root);
    }

    private static void verdict(ObjectNode root, Verdict v) {
        ObjectNode o = root.putObject("verdict");
        o.put("exitCode", v.exitCode().code());
        o.put("headline", v.headline());
        ArrayNode d = o.putArray("details");
        v.details().forEach(d::add);
    }

    private static String render(ObjectNode root) {
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }
}
