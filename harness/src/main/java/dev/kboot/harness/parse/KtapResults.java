package dev.kboot.harness.parse;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a parsed KTAP tree into results: tests at a chosen nesting depth (or leaves above it) become
 * results, deeper tests are summarised in their parent's reason. The directive mapping follows
 * ktap.rst: {@code SKIP} is SKIP whatever the ok/not ok, {@code TIMEOUT} TIMEOUT, {@code ERROR} ERROR,
 * {@code XFAIL} XFAIL, {@code XPASS} XPASS, {@code TODO} XFAIL on not ok and XPASS on ok; otherwise
 * ok is PASS and not ok FAIL. A test with no result line is MISS.
 */
public final class KtapResults {
    private static final java.util.regex.Pattern CRASHED = java.util.regex.Pattern.compile("test case crashed");
    private static final java.util.regex.Pattern FAILURE_HINT =
            java.util.regex.Pattern.compile("FAIL|Expected|ASSERTION|EXPECTATION", java.util.regex.Pattern.CASE_INSENSITIVE);
    private KtapResults() {
    }

    /**
     * @param doc   a parsed stream
     * @param suite the id's first segment ({@code kunit}, {@code ktap})
     * @param depth the nesting level whose tests become results (1: the top-level tests); tests with no
     *              subtests above that level become results too
     * @return one located result per test at that depth, in order; an ERROR or MISS result named
     *         {@code (output)} when the stream holds no test at all
     */
    public static List<Located> results(KtapParser.Document doc, String suite, int depth) {
        List<Located> out = new ArrayList<>();
        for (KtapParser.Test t : doc.tests()) {
            walk(doc, t, TestId.of(suite), 1, depth, out);
        }
        if (out.isEmpty()) {
            out.add(new Located(nothing(doc, TestId.of(suite, "(output)")), -1, -1));
        }
        return out;
    }

    /**
     * Every test without subtests, at any depth, becomes a result (kunit.py counts the same way); a parent
     * becomes a result of its own only when its verdict is not its children's: it reported {@code not ok}
     * (or an error, or a timeout) although none of its subtests failed, or its own result line never came
     * although every subtest reported. A test that opened a nested test ({@code # Subtest:}) with no plan
     * and no results is an ERROR whatever its result line says.
     *
     * @param doc   a parsed stream
     * @param suite the ids' first segment ({@code kunit})
     * @return one located result per leaf (and per parent whose own verdict stands apart), in order; an ERROR,
     *         MISS or SKIP result named {@code (output)} when the stream holds no test at all
     */
    public static List<Located> leaves(KtapParser.Document doc, String suite) {
        List<Located> out = new ArrayList<>();
        for (KtapParser.Test t : doc.tests()) {
            leaf(doc, t, TestId.of(suite), out);
        }
        if (out.isEmpty()) {
            out.add(new Located(nothing(doc, TestId.of(suite, "(output)")), -1, -1));
        }
        return out;
    }

    private static void leaf(KtapParser.Document doc, KtapParser.Test t, TestId parent, List<Located> out) {
        TestId id = parent.child(t.name());
        if (!t.parent()) {
            TestResult r = toResult(doc, t, id);
            if (t.emptySubtest()) {
                r = r.withStatus(Status.ERROR, "an empty subtest: its header promised nested tests, but it printed no plan and no results");
            }
            out.add(new Located(r, t.firstLine(), t.lastLine()));
            return;
        }
        int before = out.size();
        for (KtapParser.Test c : t.subtests()) {
            leaf(doc, c, id, out);
        }
        List<Located> mine = out.subList(before, out.size());
        boolean childFailed = mine.stream().anyMatch(l -> l.result().status().failed());
        boolean childMissing = mine.stream().anyMatch(l -> l.result().status() == Status.MISS);
        Status own = status(t);
        if (own.failed() && !childFailed) {
            String why = t.directive().isEmpty() && !t.diagnostic().isEmpty() ? " (" + t.diagnostic() + ")" : "";
            TestResult r = TestResult.of(id, own, t.raw(), "reported " + (own == Status.FAIL ? "not ok" : own.key()) + " although none of its "
                    + mine.size() + " subtest" + (mine.size() == 1 ? "" : "s") + " failed" + why)
                    .withExcerpt(Lines.join(doc.lines(), t.firstLine(), t.lastLine()));
            out.add(new Located(r, t.firstLine(), t.lastLine()));
        } else if (own == Status.MISS && !childMissing) {
            out.add(new Located(toResult(doc, t, id), t.firstLine(), t.lastLine()));
        }
    }

    /**
     * The result for a stream that holds no test: MISS when the input was empty (the suite produced
     * nothing), ERROR when there was text but no TAP, SKIP for a plan of {@code 1..0 # SKIP}.
     */
    static TestResult nothing(KtapParser.Document doc, TestId id) {
        long nonBlank = doc.lines().stream().filter(l -> !l.isBlank()).count();
        if (nonBlank == 0) {
            return TestResult.miss(id, "the suite produced no output");
        }
        if (!doc.sawTap()) {
            return TestResult.error(id, "", "no TAP/KTAP found in " + nonBlank + " line" + (nonBlank == 1 ? "" : "s") + " of output")
                    .withExcerpt(Lines.join(doc.lines(), Math.max(0, doc.lines().size() - 40), doc.lines().size() - 1));
        }
        return TestResult.of(id, Status.SKIP, "1..0", "the plan announced no tests");
    }

    private static void walk(KtapParser.Document doc, KtapParser.Test t, TestId parent, int level, int depth, List<Located> out) {
        TestId id = parent.child(t.name());
        if (level >= depth || !t.parent()) {
            out.add(new Located(toResult(doc, t, id), t.firstLine(), t.lastLine()));
            return;
        }
        for (KtapParser.Test c : t.subtests()) {
            walk(doc, c, id, level + 1, depth, out);
        }
    }

    /**
     * Judges one test of the tree.
     *
     * @param doc the stream it came from (for its excerpt)
     * @param t   the test
     * @param id  the id to give it
     * @return its result, with the lines it owned as excerpt
     */
    public static TestResult toResult(KtapParser.Document doc, KtapParser.Test t, TestId id) {
        Status s = status(t);
        String reason = reason(doc, t, s);
        return TestResult.of(id, s, t.raw(), reason).withExcerpt(Lines.join(doc.lines(), t.firstLine(), t.lastLine()));
    }

    /** @return the status ktap.rst gives the test's result line */
    public static Status status(KtapParser.Test t) {
        if (t.outcome() == KtapParser.Outcome.MISSING) {
            return Status.MISS;
        }
        boolean ok = t.outcome() == KtapParser.Outcome.OK;
        return switch (t.directive()) {
            case "SKIP" -> Status.SKIP;
            case "TIMEOUT" -> Status.TIMEOUT;
            case "ERROR" -> Status.ERROR;
            case "XFAIL" -> Status.XFAIL;
            case "XPASS" -> Status.XPASS;
            case "TODO" -> ok ? Status.XPASS : Status.XFAIL;
            default -> ok ? Status.PASS : Status.FAIL;
        };
    }

    private static String reason(KtapParser.Document doc, KtapParser.Test t, Status s) {
        if (s == Status.MISS) {
            if (t.parent()) {
                long reported = t.subtests().stream().filter(c -> c.outcome() != KtapParser.Outcome.MISSING).count();
                return "the output ended before its result (" + reported + " of "
                        + (t.planned() >= 0 ? t.planned() : t.subtests().size()) + " subtests reported)";
            }
            String note = t.diagnostic().isEmpty() ? "" : " (" + t.diagnostic() + ")";
            return (t.firstLine() >= 0 ? "the output ended while it ran" : "never reached: the output ended before it") + note;
        }
        List<String> parts = new ArrayList<>();
        if (!t.diagnostic().isEmpty()) {
            parts.add(t.directive().equals("TIMEOUT") ? "timed out after " + t.diagnostic() : t.diagnostic());
        }
        if (s.failed() || s == Status.XFAIL) {
            List<String> failed = new ArrayList<>();
            failedLeaves(t, "", failed);
            if (!failed.isEmpty()) {
                parts.add("failed: " + String.join(", ", failed.subList(0, Math.min(10, failed.size())))
                        + (failed.size() > 10 ? " and " + (failed.size() - 10) + " more" : ""));
            }
            if (parts.isEmpty()) {
                String last = lastDiagnostic(doc, t);
                if (!last.isEmpty()) {
                    parts.add(last);
                }
            }
        }
        return String.join("; ", parts);
    }

    private static void failedLeaves(KtapParser.Test t, String prefix, List<String> out) {
        for (KtapParser.Test c : t.subtests()) {
            String name = prefix.isEmpty() ? c.name() : prefix + "/" + c.name();
            Status s = status(c);
            if (c.parent()) {
                int before = out.size();
                failedLeaves(c, name, out);
                if (out.size() == before && (s.failed() || s == Status.MISS)) {
                    out.add(name + (s == Status.MISS ? " (no result)" : ""));
                }
            } else if (s.failed() || s == Status.MISS) {
                out.add(name + (s == Status.MISS ? " (no result)" : ""));
            }
        }
    }

    /**
     * The first {@code #} diagnostic line before the test's result line that mentions a failure
     * ({@code EXPECTATION FAILED at ...}), else the last diagnostic line, else empty.
     */
    private static String lastDiagnostic(KtapParser.Document doc, KtapParser.Test t) {
        for (int i = Math.max(0, t.firstLine()); i < t.lastLine() && i < doc.lines().size(); i++) {
            String l = doc.lines().get(i).strip();
            if (l.startsWith("#") && CRASHED.matcher(l).find()) {
                return l.substring(1).strip();
            }
        }
        for (int i = Math.max(0, t.firstLine()); i < t.lastLine() && i < doc.lines().size(); i++) {
            String l = doc.lines().get(i).strip();
            if (l.startsWith("#") && FAILURE_HINT.matcher(l).find() && !l.startsWith("# Totals")) {
                return l.substring(1).strip();
            }
        }
        for (int i = t.lastLine() - 1; i >= Math.max(0, t.firstLine()); i--) {
            String l = doc.lines().get(i).strip();
            if (l.startsWith("#") && l.length() > 1 && !l.startsWith("# Totals") && !l.matches("#\\s*")) {
                return l.substring(1).strip();
            }
        }
        return "";
    }
}
