package dev.kboot.harness.parse;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judges the TAP 13 that kselftest's runner ({@code run_kselftest.sh}, {@code kselftest/runner.sh} in
 * linux 6.1) prints on stdout: one document per collection, {@code 1..N}, a {@code # selftests: COLL: TEST}
 * line before each test, the test's own output prefixed with {@code # } (often a nested TAP stream),
 * and a result line: {@code ok N selftests: COLL: TEST}, {@code ok N ... # SKIP} (rc 4),
 * {@code not ok N ... # TIMEOUT 45 seconds} (rc 124) or {@code not ok N ... # exit=RC}. Also accepts
 * a kselftest binary's own KTAP run directly. Ids are {@code kselftest/COLL/TEST}.
 *
 * <p>Pure; never throws. A test the runner announced but never reported (output cut short) is MISS
 * under its own name; tests the plan promised after it are MISS as {@code kselftest/COLL/#N}.
 */
public final class KselftestParser {
    /** The suite name, the ids' first segment. */
    public static final String SUITE = "kselftest";
    private static final Pattern ANNOUNCE = Pattern.compile("^#\\s*(selftests:\\s*\\S+:\\s*\\S.*)$");
    private static final Pattern NAME = Pattern.compile("^selftests:\\s*(\\S+):\\s*(\\S.*?)\\s*$");
    private static final Pattern EXIT = Pattern.compile("exit=(\\d+)");

    private KselftestParser() {
    }

    /**
     * @param text the runner's stdout (or a console log holding it); may be empty or cut short
     * @return one result per test, in order
     */
    public static List<TestResult> parse(String text) {
        return Located.results(parseLocated(text));
    }

    /**
     * @param text the runner's stdout (or a console log holding it)
     * @return one result per test with the input lines it owned
     */
    public static List<Located> parseLocated(String text) {
        KtapParser.Document doc = KtapParser.parse(text, new KtapParser.Options(ANNOUNCE, true));
        List<Located> out = new ArrayList<>();
        String collection = null;
        for (KtapParser.Test t : doc.tests()) {
            Matcher m = NAME.matcher(t.name());
            if (m.matches()) {
                collection = m.group(1);
            }
        }
        String current = collection;
        for (KtapParser.Test t : doc.tests()) {
            Matcher m = NAME.matcher(t.name());
            TestId id;
            if (m.matches()) {
                current = m.group(1);
                id = TestId.of(SUITE, current, m.group(2));
            } else {
                id = current == null ? TestId.of(SUITE, t.name()) : TestId.of(SUITE, current, t.name());
            }
            out.add(new Located(judge(doc, t, id), t.firstLine(), t.lastLine()));
        }
        if (out.isEmpty()) {
            out.add(new Located(KtapResults.nothing(doc, TestId.of(SUITE, "(output)")), -1, -1));
        }
        return out;
    }

    private static TestResult judge(KtapParser.Document doc, KtapParser.Test t, TestId id) {
        TestResult r = KtapResults.toResult(doc, t, id);
        if (t.outcome() == KtapParser.Outcome.MISSING || t.parent()) {
            return r;
        }
        // the test's own output: the '# '-prefixed lines between its announce line and its result
        List<String> own = new ArrayList<>();
        for (int i = Math.max(0, t.firstLine()); i < t.lastLine() && i < doc.lines().size(); i++) {
            String l = doc.lines().get(i);
            if (ANNOUNCE.matcher(l.strip()).matches()) {
                continue;
            }
            if (l.startsWith("# ")) {
                own.add(l.substring(2));
            } else if (l.equals("#")) {
                own.add("");
            }
        }
        KtapParser.Document nested = KtapParser.parse(String.join("\n", own));
        List<String> failed = new ArrayList<>();
        for (KtapParser.Test c : nested.tests()) {
            Status s = KtapResults.status(c);
            if (s.failed()) {
                failed.add(c.name());
            }
        }
        String reason = r.reason();
        Status s = r.status();
        if (s == Status.FAIL) {
            Matcher e = EXIT.matcher(t.diagnostic());
            StringBuilder why = new StringBuilder();
            if (e.find()) {
                why.append("exit status ").append(e.group(1));
            } else if (!t.diagnostic().isEmpty()) {
                why.append(t.diagnostic());
            }
            if (!failed.isEmpty()) {
                why.append(why.length() == 0 ? "" : "; ").append("failed: ")
                        .append(String.join(", ", failed.subList(0, Math.min(10, failed.size()))))
                        .append(failed.size() > 10 ? " and " + (failed.size() - 10) + " more" : "");
            }
            if (!nested.problems().isEmpty()) {
                why.append(why.length() == 0 ? "" : "; ").append(nested.problems().get(0).replaceFirst("\\s*\\(line \\d+\\)$", ""));
            }
            if (why.length() == 0) {
                why.append(lastOwnLine(own));
            }
            reason = why.toString();
        } else if (s == Status.SKIP && reason.isEmpty()) {
            reason = skipReason(own, nested);
        }
        return r.withReason(reason);
    }

    private static String skipReason(List<String> own, KtapParser.Document nested) {
        for (String l : own) {
            String t = l.strip();
            if (t.startsWith("1..0") && t.contains("#")) {
                return t.substring(t.indexOf('#') + 1).strip();
            }
        }
        for (int i = own.size() - 1; i >= 0; i--) {
            String t = own.get(i).strip();
            if (t.toUpperCase(java.util.Locale.ROOT).contains("SKIP")) {
                return t.replaceFirst("^#\\s*", "");
            }
        }
        return lastOwnLine(own);
    }

    private static String lastOwnLine(List<String> own) {
        for (int i = own.size() - 1; i >= 0; i--) {
            String t = own.get(i).strip().replaceFirst("^#\\s*", "");
            if (!t.isEmpty() && !t.startsWith("Totals:")) {
                return t;
            }
        }
        return "";
    }
}
