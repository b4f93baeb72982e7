package dev.kboot.harness.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judges LTP results in two forms:
 * <ul>
 * <li>kirk's JSON report ({@code kirk --json-report FILE}, written by {@code libkirk/export.py}):
 *     {@code results[]} of {@code {test_fqn, status, test{command, arguments, log, retval, duration,
 *     failed, passed, broken, skipped, warnings, result}}}, statuses {@code pass}, {@code fail},
 *     {@code brok}, {@code warn}, {@code conf}; also the same shape as runltp-ng and openQA write it
 *     ({@code test_fqn} like {@code LTP:syscalls:abort01}, status {@code skip}).</li>
 * <li>the legacy runltp log ({@code runltp -l FILE}): a {@code Testcase Result Exit Value} table, then
 *     {@code Total Tests:} and friends.</li>
 * </ul>
 * Statuses: pass PASS, fail FAIL, brok ERROR (TBROK: the test broke), warn FAIL (TWARN), conf and skip
 * SKIP (TCONF). Ids are {@code ltp/TEST}, or {@code ltp/SUITE/TEST} when the fqn names the suite.
 *
 * <p>Pure; never throws on bad input: a malformed or cut-short report keeps the results read before
 * the fault and adds an ERROR result {@code ltp/(report)}; a runltp log without its footer adds a MISS
 * result {@code ltp/(unfinished)}.
 */
public final class LtpParser {
    /** The suite name, the ids' first segment. */
    public static final String SUITE = "ltp";
    private static final Pattern HEADER = Pattern.compile("^\\s*Testcase\\s+Result\\s+Exit Value\\s*$");
    private static final Pattern ROW = Pattern.compile("^\\s*(\\S+)\\s+(PASS|FAIL|CONF|BROK|WARN|SKIP|TFAIL|TPASS|TCONF|TBROK|TWARN)\\s+(-?\\d+)?\\s*$");
    private static final Pattern TOTAL = Pattern.compile("^\\s*Total Tests:\\s*(\\d+)");
    private static final Pattern FAILURE_LINE = Pattern.compile("\\b(TFAIL|TBROK|TWARN|FAIL:|BROK:|WARN:)");
    private static final Pattern CONF_LINE = Pattern.compile("\\b(TCONF|CONF:|TSKIP)");

    private LtpParser() {
    }

    /**
     * @param json kirk's (or runltp-ng's) JSON report
     * @return one result per {@code results[]} entry, in order
     */
    public static List<TestResult> parseKirkJson(String json) {
        List<TestResult> out = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        JsonFactory f = mapper.getFactory();
        boolean sawResults = false;
        try (JsonParser p = f.createParser(json == null ? "" : json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                out.add(TestResult.error(TestId.of(SUITE, "(report)"), "", "not a kirk JSON report: it does not start with '{'"));
                return out;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if ("results".equals(field) && t == JsonToken.START_ARRAY) {
                    sawResults = true;
                    int index = 0;
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode n = mapper.readTree(p);
                        out.add(entry(n, index++));
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (!sawResults) {
                out.add(TestResult.error(TestId.of(SUITE, "(report)"), "", "the JSON report has no 'results' array"));
            }
        } catch (IOException | RuntimeException e) {
            String where = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                    ? " at line " + j.getLocation().getLineNr() + " column " + j.getLocation().getColumnNr() : "";
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            out.add(TestResult.error(TestId.of(SUITE, "(report)"), "", "the JSON report is malformed or cut short" + where
                    + " after " + out.size() + " result" + (out.size() == 1 ? "" : "s") + ": " + firstLine(msg)));
        }
        return out;
    }

    private static TestResult entry(JsonNode n, int index) {
        String fqn = text(n.get("test_fqn"));
        TestId id = id(fqn.isEmpty() ? "(result " + (index + 1) + ")" : fqn);
        String status = text(n.get("status")).toLowerCase(Locale.ROOT);
        JsonNode test = n.path("test");
        String log = text(test.get("log"));
        Long ms = test.has("duration") && test.get("duration").isNumber() ? Math.round(test.get("duration").asDouble() * 1000) : null;
        String retval = test.has("retval") && test.get("retval").isArray() && test.get("retval").size() > 0
                ? test.get("retval").get(0).asText() : null;
        String raw = status + (retval == null ? "" : " (retval " + retval + ")");
        TestResult r = switch (status) {
            case "pass" -> TestResult.pass(id, raw);
            case "fail" -> TestResult.fail(id, raw, why(log, FAILURE_LINE, "failed", retval));
            case "brok" -> TestResult.error(id, raw, why(log, FAILURE_LINE, "broken (TBROK)", retval));
            case "warn" -> TestResult.fail(id, raw, why(log, FAILURE_LINE, "warnings (TWARN)", retval));
            case "conf", "skip" -> TestResult.of(id, Status.SKIP, raw, why(log, CONF_LINE, "not applicable (TCONF)", null));
            case "" -> TestResult.error(id, raw, "the report entry has no status");
            default -> TestResult.error(id, raw, "unknown LTP status '" + status + "'");
        };
        return r.withExcerpt(log).withDuration(ms);
    }

    /**
     * @param text the legacy runltp log ({@code -l FILE} or the {@code results/} summary)
     * @return one result per table row, in order
     */
    public static List<TestResult> parseRunltpLog(String text) {
        List<TestResult> out = new ArrayList<>();
        List<String> lines = Lines.split(text == null ? "" : text);
        int i = 0;
        while (i < lines.size() && !HEADER.matcher(lines.get(i)).matches()) {
            i++;
        }
        if (i == lines.size()) {
            long nonBlank = lines.stream().filter(l -> !l.isBlank()).count();
            out.add(nonBlank == 0 ? TestResult.miss(TestId.of(SUITE, "(log)"), "the runltp log is empty")
                    : TestResult.error(TestId.of(SUITE, "(log)"), "", "no 'Testcase Result Exit Value' table in " + nonBlank + " lines"));
            return out;
        }
        Integer total = null;
        for (i = i + 1; i < lines.size(); i++) {
            String l = lines.get(i);
            Matcher t = TOTAL.matcher(l);
            if (t.find()) {
                total = Integer.parseInt(t.group(1));
                break;
            }
            Matcher m = ROW.matcher(l);
            if (!m.matches()) {
                continue;
            }
            String result = m.group(2).replaceFirst("^T", "");
            String exit = m.group(3);
            TestId id = id(m.group(1));
            String raw = result + (exit == null ? "" : " " + exit);
            out.add(switch (result) {
                case "PASS" -> TestResult.pass(id, raw);
                case "CONF", "SKIP" -> TestResult.of(id, Status.SKIP, raw, "not applicable (TCONF" + (exit == null ? "" : ", exit value " + exit) + ")");
                case "BROK" -> TestResult.error(id, raw, "broken (TBROK" + (exit == null ? "" : ", exit value " + exit) + ")");
                case "WARN" -> TestResult.fail(id, raw, "warnings (TWARN" + (exit == null ? "" : ", exit value " + exit) + ")");
                default -> TestResult.fail(id, raw, "failed" + (exit == null ? "" : " with exit value " + exit));
            });
        }
        if (total == null) {
            out.add(TestResult.miss(TestId.of(SUITE, "(unfinished)"),
                    "the runltp log ends without its 'Total Tests:' footer after " + out.size() + " results: runltp did not finish"));
        } else if (total > out.size()) {
            out.add(TestResult.error(TestId.of(SUITE, "(log)"), "", "the footer counts " + total + " tests but the table has " + out.size()));
        }
        return out;
    }

    /** {@code abort01} is {@code ltp/abort01}; {@code LTP:syscalls:abort01} is {@code ltp/syscalls/abort01}. */
    private static TestId id(String fqn) {
        String[] parts = fqn.strip().split(":");
        List<String> segs = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            if (i == 0 && parts.length > 1 && parts[0].equalsIgnoreCase("LTP")) {
                continue;
            }
            if (!parts[i].isBlank()) {
                segs.add(parts[i].strip());
            }
        }
        return TestId.of(SUITE, segs.toArray(String[]::new));
    }

    private static String why(String log, Pattern p, String fallback, String retval) {
        for (String l : Lines.split(log)) {
            if (p.matcher(l).find()) {
                return l.strip();
            }
        }
        return fallback + (retval == null || retval.equals("0") ? "" : " (exit status " + retval + ")");
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? "" : n.isValueNode() ? n.asText() : n.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static final Pattern PAN_TAG = Pattern.compile("^tag=(\\S+)");
    private static final Pattern PAN_STATUS = Pattern.compile("duration=(\\d+) termination_type=(\\w+) termination_id=(-?\\d+)");
    private static final Pattern PAN_PROBLEM = Pattern.compile("\\b(TFAIL|TBROK|TWARN|FAIL:|BROK:|WARN:)");

    /**
     * Judges ltp-pan's output as runltp prints it on the terminal and LKP, LKFT and tuxrun keep it in
     * their logs: one block per test, {@code <<<test_start>>>}, {@code tag=NAME stime=...},
     * {@code <<<test_output>>>}, the test's output, {@code <<<execution_status>>>},
     * {@code duration=S termination_type=exited|signaled termination_id=N}, {@code <<<test_end>>>}
     * (ltp {@code pan/ltp-pan.c}). The exit status is LTP's result mask ({@code include/tst_res_flags.h}):
     * 0 PASS; TFAIL (1) or TWARN (4) FAIL; TBROK (2) ERROR; TCONF (32) alone SKIP. A test tst_test
     * had to kill ({@code Test timeouted, sending SIGKILL!}) is TIMEOUT, one killed by a signal ERROR,
     * one whose block never ended MISS. The reason is the first TFAIL/TBROK/TWARN line, or the TCONF one.
     *
     * @param text the output, or a log holding it
     * @return one located result per block, in order; an ERROR or MISS result {@code ltp/(output)} when there is none
     */
    public static List<Located> parsePanOutputLocated(String text) {
        List<String> lines = Lines.split(text == null ? "" : text);
        List<Located> out = new ArrayList<>();
        int start = -1;
        String tag = null;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.equals("<<<test_start>>>")) {
                if (start >= 0) {
                    out.add(unfinished(lines, start, i - 1, tag));
                }
                start = i;
                tag = null;
            } else if (start >= 0 && tag == null) {
                Matcher m = PAN_TAG.matcher(l);
                if (m.find()) {
                    tag = m.group(1);
                }
            } else if (start >= 0 && l.equals("<<<test_end>>>")) {
                out.add(new Located(panBlock(lines, start, i, tag), start, i));
                start = -1;
            }
        }
        if (start >= 0) {
            out.add(unfinished(lines, start, lines.size() - 1, tag));
        }
        if (out.isEmpty()) {
            long nonBlank = lines.stream().filter(x -> !x.isBlank()).count();
            out.add(new Located(nonBlank == 0 ? TestResult.miss(TestId.of(SUITE, "(output)"), "ltp-pan printed nothing")
                    : TestResult.error(TestId.of(SUITE, "(output)"), "", "no <<<test_start>>> blocks in " + nonBlank + " lines of output"), -1, -1));
        }
        return out;
    }

    /** @return the results of {@link #parsePanOutputLocated} */
    public static List<TestResult> parsePanOutput(String text) {
        return Located.results(parsePanOutputLocated(text));
    }

    private static Located unfinished(List<String> lines, int from, int to, String tag) {
        TestId id = TestId.of(SUITE, tag == null ? "(unnamed)" : tag);
        return new Located(TestResult.miss(id, "the output ended while it ran (no <<<test_end>>>)").withExcerpt(Lines.join(lines, from, to)), from, to);
    }

    private static TestResult panBlock(List<String> lines, int from, int to, String tag) {
        TestId id = TestId.of(SUITE, tag == null ? "(unnamed)" : tag);
        String raw = "";
        Long ms = null;
        String type = null;
        int code = 0;
        boolean timedOut = false;
        String problem = null;
        String conf = null;
        for (int i = from; i <= to; i++) {
            String l = lines.get(i);
            Matcher s = PAN_STATUS.matcher(l);
            if (s.find()) {
                raw = s.group(0);
                ms = Long.parseLong(s.group(1)) * 1000;
                type = s.group(2);
                code = Integer.parseInt(s.group(3));
            }
            if (l.contains("Test timeouted, sending SIGKILL")) {
                timedOut = true;
            }
            if (problem == null && PAN_PROBLEM.matcher(l).find()) {
                problem = l.strip();
            }
            if (conf == null && CONF_LINE.matcher(l).find()) {
                conf = l.strip();
            }
        }
        TestResult r;
        if (type == null) {
            r = TestResult.error(id, "", "its block has no execution status");
        } else if (timedOut) {
            r = TestResult.of(id, Status.TIMEOUT, raw, "timed out: tst_test killed it (Test timeouted, sending SIGKILL!)");
        } else if (type.equals("signaled")) {
            r = TestResult.error(id, raw, "killed by signal " + code);
        } else if (code == 0) {
            r = TestResult.pass(id, raw);
        } else if ((code & 1) != 0 || (code & 4) != 0) {
            r = TestResult.fail(id, raw, problem == null ? "exit status " + code : problem);
        } else if ((code & 2) != 0) {
            r = TestResult.error(id, raw, problem == null ? "TBROK (exit status " + code + ")" : problem);
        } else if ((code & 32) != 0) {
            r = TestResult.of(id, Status.SKIP, raw, conf == null ? "TCONF" : conf);
        } else {
            r = TestResult.fail(id, raw, "exit status " + code);
        }
        return r.withDuration(ms).withExcerpt(Lines.join(lines, from, to));
    }
}
