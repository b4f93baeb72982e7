package dev.kboot.harness.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streaming tree reader gives exactly the tree ObjectMapper.readTree gives, node types included. */
class JsonTreesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static void same(String json) throws Exception {
        assertEquals(MAPPER.readTree(json), JsonTrees.read(json), json);
    }

    @Test
    void scalarsAndNumbersOfEverySize() throws Exception {
        same("{\"i\":1,\"neg\":-7,\"l\":12345678901,\"big\":123456789012345678901234567890,\"d\":1.5,\"e\":-2e-3,"
                + "\"t\":true,\"f\":false,\"n\":null,\"s\":\"a\\\"b\\u00e9\\n\"}");
        same("[1, [2, [3, {}], []], \"x\"]");
        same("42");
        same("\"just a string\"");
    }

    @Test
    void aRepeatedKeyKeepsItsLastValueAndTrailingContentIsIgnored() throws Exception {
        same("{\"a\":1,\"a\":{\"b\":2}}");
        same("{\"a\":1} {\"b\":2}");
    }

    @Test
    void emptyTextIsAMissingNode() throws Exception {
        same("");
        same("   ");
    }

    @Test
    void aResultsJsonAsKbootWritesIt() throws Exception {
        RunResult run = new RunResult(RunInfo.started("0.1.0", Instant.parse("2026-01-31T12:00:00Z")).withKernel("6.1.0", "loglevel=4"),
                List.of("command:smoke"),
                List.of(TestResult.of(TestId.of("command", "uname"), Status.PASS, "0", "").withExcerpt("Linux kboot 6.1.0"),
                        TestResult.of(TestId.of("command", "store-mounted"), Status.FAIL, "1", "exit status 1")),
                List.of(), List.of("a problem"), List.of(), true);
        same(ResultsJson.write(run, null, null));
        RunResult back = ResultsJson.parse(ResultsJson.write(run, null, null), Path.of("results.json"));
        assertEquals(run.tests(), back.tests());
    }

    @Test
    void aSyntaxErrorSaysWhere() {
        String bad = "{\n\"a\": [1, 2,\n}";
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> JsonTrees.read(bad));
        JsonProcessingException m = assertThrows(JsonProcessingException.class, () -> MAPPER.readTree(bad));
        assertEquals(3, e.getLocation().getLineNr());
        assertEquals(m.getOriginalMessage(), e.getOriginalMessage());
        assertTrue(e.getOriginalMessage().startsWith("Unexpected character ('}'"), e.getOriginalMessage());
    }
}
