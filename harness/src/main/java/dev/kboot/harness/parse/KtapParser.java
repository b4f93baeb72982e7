package dev.kboot.harness.parse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tolerant parser for KTAP v1 (linux {@code Documentation/dev-tools/ktap.rst}) and the TAP 13/14
 * that kselftest and older KUnit print: version lines, plans {@code 1..N}, result lines
 * {@code ok|not ok N [- ]description [# DIRECTIVE diagnostic]}, nested tests by indentation (spaces or
 * tabs) with or without a nested version line or a {@code # Subtest: name} header, and unknown lines
 * anywhere (console noise), which are ignored. Lines may carry kernel console prefixes
 * ({@code [   12.345678] }), which are stripped.
 *
 * <p>Pure: no I/O, no logging, never throws on bad input. Input cut short gives placeholder tests
 * with {@link Outcome#MISSING} (one per test the plan promised and the output never reported) and a
 * problem line saying so, e.g. {@code plan said 10 tests, output ended after 6}.
 */
public final class KtapParser {
    private static final Pattern VERSION = Pattern.compile("^(K?TAP) version (\\d+)\\s*$");
    private static final Pattern PLAN = Pattern.compile("^1\\.\\.(\\d+)\\s*(?:#\\s*(.*))?$");
    private static final Pattern RESULT = Pattern.compile("^(not ok|ok)(?:\\s+(\\d+))?(?:\\s+-)?(?:\\s+([^#]*?))?\\s*(?:#\\s*(.*))?$");
    private static final Pattern SUBTEST = Pattern.compile("^#\\s*Subtest:\\s*(.*\\S)\\s*$");
    private static final Pattern BAIL = Pattern.compile("^Bail out!\\s*(.*)$");
    private static final List<String> DIRECTIVES = List.of("SKIP", "TODO", "XFAIL", "XPASS", "TIMEOUT", "ERROR");

    /** How a test's result line came out. */
    public enum Outcome {
        /** {@code ok}. */
        OK,
        /** {@code not ok}. */
        NOT_OK,
        /** No result line: the output ended (or the parent's result came) before it. */
        MISSING
    }

    /**
     * One test of the tree.
     *
     * @param name       its description (for a parent, the result line's or else the {@code # Subtest:} name);
     *                   {@code #N} when the output never named it
     * @param number     its number in its plan, 1-based
     * @param outcome    ok, not ok, or missing
     * @param directive  the directive upper-cased ({@code SKIP}, {@code TIMEOUT}, ...) or empty
     * @param diagnostic the text after {@code #} (after the directive, if any), or empty
     * @param raw        the result line as printed (prefix stripped), or empty if missing
     * @param subtests   its nested tests, in order
     * @param planned    the number its nested plan promised, or -1 if it had none
     * @param firstLine  the first line (0-based, into {@link Document#lines()}) that belongs to it, or -1 if it never started
     * @param lastLine   its result line, or the last line it owned when its result is missing
     * @param announced  whether the output named it ({@code # Subtest:} or an announce line) though it never reported a result
     * @param emptySubtest whether it opened a nested test ({@code # Subtest:}, a nested version line) that then had
     *                   no plan and no results (kunit.py counts such a test an error)
     */
    public record Test(String name, int number, Outcome outcome, String directive, String diagnostic, String raw,
                       List<Test> subtests, int planned, int firstLine, int lastLine, boolean announced, boolean emptySubtest) {
        /** @return whether it has nested tests */
        public boolean parent() {
            return !subtests.isEmpty();
        }
    }

    /**
     * A parsed stream.
     *
     * @param tests    the top-level tests of every document in the stream, in order
     * @param lines    the input lines with console prefixes stripped (line numbers index this list)
     * @param sawTap   whether any version, plan or result line was found
     * @param problems what was wrong with the stream (plans not met, output cut short, bail out), one line each
     */
    public record Document(List<Test> tests, List<String> lines, boolean sawTap, List<String> problems) {
    }

    /**
     * Options for one parse.
     *
     * @param announce a pattern whose group 1 names the next test at the level it appears on (kselftest's
     *                 runner prints {@code # selftests: timers: nanosleep} before running it), or null
     * @param skipPreamble whether lines before the first version line are ignored (console logs), rather
     *                 than parsed (a bare TAP stream without a version line)
     */
    public record Options(Pattern announce, boolean skipPreamble) {
        /** The defaults: no announce pattern, preamble skipped only if a version line exists. */
        public static Options defaults() {
            return new Options(null, true);
        }
    }

    private KtapParser() {
    }

    /**
     * Parses a KTAP/TAP stream with the default options.
     *
     * @param text the stream's text; may be empty, truncated or not TAP at all
     * @return the tree; never null
     */
    public static Document parse(String text) {
        return parse(text, Options.defaults());
    }

    /**
     * Parses a KTAP/TAP stream.
     *
     * @param text the stream's text; may be empty, truncated or not TAP at all
     * @param opts announce pattern and preamble handling
     * @return the tree; never null
     */
    public static Document parse(String text, Options opts) {
        List<String> raw = Lines.split(text == null ? "" : text);
        List<String> lines = new ArrayList<>(raw.size());
        for (String l : raw) {
            lines.add(Lines.stripConsolePrefix(l));
        }
        return new Run(lines, opts).go();
    }

    /** One level of nesting being read. */
    private static final class Frame {
        int indent;
        final int firstLine;
        final List<Test> children = new ArrayList<>();
        int plan = -1;
        String planSkip;
        String name;
        String announced;
        int announcedAt = -1;
        int nextChildStart;
        boolean header;

        Frame(int indent, int firstLine) {
            this.indent = indent;
            this.firstLine = firstLine;
            this.nextChildStart = firstLine;
        }
    }

    /** The state of one parse. */
    private static final class Run {
        final List<String> lines;
        final Options opts;
        final Deque<Frame> stack = new ArrayDeque<>();
        final List<Test> top = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        boolean sawTap;
        String bailed;

        Run(List<String> lines, Options opts) {
            this.lines = lines;
            this.opts = opts;
        }

        Document go() {
            int start = 0;
            if (opts.skipPreamble()) {
                for (int i = 0; i < lines.size(); i++) {
                    if (VERSION.matcher(lines.get(i).strip()).matches()) {
                        start = i;
                        break;
                    }
                }
            }
            Frame pending = null; // a child frame closed by a shallower line, waiting for its result line
            for (int i = start; i < lines.size(); i++) {
                String line = lines.get(i);
                String t = line.strip();
                int indent = indent(line);
                Kind kind = kind(t);
                if (kind == Kind.OTHER) {
                    if (opts.announce() != null && !stack.isEmpty()) {
                        Matcher a = opts.announce().matcher(t);
                        if (a.matches()) {
                            Frame f = frameFor(indent);
                            f.announced = a.group(1).strip();
                            f.announcedAt = i;
                        }
                    }
                    Matcher b = BAIL.matcher(t);
                    if (b.matches() && !stack.isEmpty()) {
                        bail(i, b.group(1));
                        pending = null;
                        break;
                    }
                    continue;
                }
                sawTap = true;
                if (stack.isEmpty()) {
                    Frame root = new Frame(indent, i);
                    stack.push(root);
                    if (kind == Kind.VERSION) {
                        root.header = true;
                        root.nextChildStart = i + 1;
                        continue;
                    }
                }
                // close frames deeper than this line
                pending = null;
                while (stack.size() > 1 && indent < stack.peek().indent) {
                    Frame closed = stack.pop();
                    if (pending != null) {
                        addChild(closed, missingParent(closed, pending, i - 1, "its result line never came"));
                    }
                    pending = closed;
                }
                Frame f = stack.peek();
                if (indent > f.indent && kind == Kind.RESULT && pending == null && stack.size() > 1 && (f.header || f.plan >= 0)
                        && f.children.isEmpty()) {
                    // a nested test's results indented deeper than its own version and plan lines: they are its results
                    f.indent = indent;
                }
                if (indent > f.indent && kind != Kind.OTHER) {
                    if (pending != null) {
                        addChild(f, missingParent(f, pending, i - 1, "its result line never came"));
                        pending = null;
                    }
                    Frame child = new Frame(indent, i);
                    child.header = kind == Kind.VERSION;
                    stack.push(child);
                    f = child;
                    if (kind == Kind.VERSION) {
                        continue;
                    }
                }
                switch (kind) {
                    case VERSION -> {
                        if (pending != null) {
                            addChild(f, missingParent(f, pending, i - 1, "its result line never came"));
                            pending = null;
                        }
                        if (stack.size() == 1 && (!f.children.isEmpty() || f.plan >= 0)) {
                            // a new document at the top level (kselftest prints one per collection)
                            checkPlan(f, i - 1, false);
                            top.addAll(f.children);
                            stack.pop();
                            Frame root = new Frame(indent, i);
                            root.header = true;
                            root.nextChildStart = i + 1;
                            stack.push(root);
                        }
                    }
                    case SUBTEST -> {
                        Matcher m = SUBTEST.matcher(t);
                        m.matches();
                        if (pending != null) {
                            addChild(f, missingParent(f, pending, i - 1, "its result line never came"));
                            pending = null;
                        }
                        if (stack.size() > 1 && !f.children.isEmpty()) {
                            // a sibling suite at the same indent: the previous one never printed its result
                            Frame closed = stack.pop();
                            Frame parent = stack.peek();
                            addChild(parent, missingParent(parent, closed, i - 1, "its result line never came"));
                            Frame child = new Frame(indent, i);
                            child.name = m.group(1);
                            stack.push(child);
                        } else if (stack.size() > 1) {
                            f.name = m.group(1);
                        } else {
                            f.announced = m.group(1);
                            f.announcedAt = i;
                        }
                    }
                    case PLAN -> {
                        Matcher m = PLAN.matcher(t);
                        m.matches();
                        if (f.plan >= 0 && !f.children.isEmpty()) {
                            problems.add("line " + (i + 1) + ": a second plan '" + t + "' after results");
                        }
                        f.plan = Integer.parseInt(m.group(1).length() > 6 ? "999999" : m.group(1));
                        f.planSkip = m.group(2);
                        if (f.children.isEmpty()) {
                            f.nextChildStart = i + 1;
                        }
                    }
                    case RESULT -> {
                        Matcher m = RESULT.matcher(t);
                        m.matches();
                        addChild(f, result(m, t, f, pending, i));
                        pending = null;
                    }
                    default -> {
                    }
                }
            }
            finish(lines.size() - 1);
            return new Document(List.copyOf(top), List.copyOf(lines), sawTap, List.copyOf(problems));
        }

        /** The frame an unknown line at this indent belongs to (the deepest one not deeper than it). */
        private Frame frameFor(int indent) {
            for (Frame f : stack) {
                if (f.indent <= indent) {
                    return f;
                }
            }
            return stack.getLast();
        }

        private void bail(int line, String why) {
            bailed = "Bail out!" + (why.isBlank() ? "" : " " + why);
            problems.add(bailed + " (line " + (line + 1) + ")");
            finish(line);
        }

        private void finish(int last) {
            while (stack.size() > 1) {
                Frame closed = stack.pop();
                addChild(stack.peek(), missingParent(stack.peek(), closed, last, "the output ended before its result"));
            }
            if (!stack.isEmpty()) {
                Frame root = stack.pop();
                checkPlan(root, last, true);
                top.addAll(root.children);
            }
        }

        private void addChild(Frame f, Test t) {
            f.children.add(t);
            f.nextChildStart = t.lastLine() + 1;
            f.announced = null;
            f.announcedAt = -1;
        }

        /** Builds a parent test from a frame whose result line never came. */
        private Test missingParent(Frame parent, Frame closed, int last, String why) {
            checkPlan(closed, last, true);
            int number = parent.children.size() + 1;
            String name = closed.name != null ? closed.name : parent.announced != null ? parent.announced : "#" + number;
            problems.add((closed.name != null ? "'" + closed.name + "'" : "a nested test") + ": " + why);
            return new Test(name, number, Outcome.MISSING, "", why, "", List.copyOf(closed.children), closed.plan,
                    closed.firstLine, last, closed.name != null, closed.plan < 0 && closed.children.isEmpty());
        }

        private Test result(Matcher m, String t, Frame f, Frame pending, int i) {
            boolean ok = m.group(1).equals("ok");
            int number = m.group(2) == null ? f.children.size() + 1 : parseInt(m.group(2));
            String desc = m.group(3) == null ? "" : m.group(3).strip();
            String after = m.group(4) == null ? "" : m.group(4).strip();
            String directive = "";
            String diag = after;
            String first = after.isEmpty() ? "" : after.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
            if (DIRECTIVES.contains(first)) {
                directive = first;
                diag = after.length() > first.length() ? after.substring(first.length()).strip() : "";
            }
            String name = desc;
            if (name.isEmpty() && pending != null && pending.name != null) {
                name = pending.name;
            }
            if (name.isEmpty() && f.announced != null) {
                name = f.announced;
            }
            if (name.isEmpty()) {
                name = "#" + number;
            }
            List<Test> subs = pending == null ? List.of() : List.copyOf(withPlaceholders(pending, i - 1, false));
            int planned = pending == null ? -1 : pending.plan;
            int first0 = pending == null ? f.nextChildStart : Math.min(f.nextChildStart, pending.firstLine);
            boolean empty = pending != null && pending.plan < 0 && pending.children.isEmpty();
            return new Test(name, number, ok ? Outcome.OK : Outcome.NOT_OK, directive, diag, t, subs, planned, first0, i, false, empty);
        }

        private List<Test> withPlaceholders(Frame fr, int last, boolean eof) {
            checkPlan(fr, last, eof);
            return fr.children;
        }

        /** Adds MISSING placeholders for tests the frame's plan promised but the output never reported. */
        private void checkPlan(Frame f, int last, boolean eof) {
            int got = f.children.size();
            if (f.plan < 0 || got >= f.plan) {
                if (f.plan >= 0 && got > f.plan) {
                    problems.add((f.name == null ? "" : "'" + f.name + "': ") + "plan said " + f.plan + " tests, got " + got);
                }
                if (f.plan < 0 && eof && f.announced != null && stack.isEmpty()) {
                    // no plan, but the runner announced a test that never reported
                    addPlaceholder(f, f.children.size() + 1, last, true, "");
                    problems.add("'" + f.children.get(f.children.size() - 1).name() + "': the output ended before its result");
                }
                return;
            }
            String what = (f.name == null ? "" : "'" + f.name + "': ") + "plan said " + f.plan + " tests, "
                    + (eof ? (bailed != null ? "the test bailed out after " + got + ": " + bailed : "output ended after " + got) : "got " + got);
            problems.add(what);
            // the numbers the output never reported (a late plan after "ok 4" leaves 1 to 3 unreported)
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            int maxSeen = 0;
            for (Test c : f.children) {
                seen.add(c.number());
                maxSeen = Math.max(maxSeen, c.number());
            }
            List<Integer> missing = new ArrayList<>();
            for (int n = 1; n <= f.plan && missing.size() < f.plan - got; n++) {
                if (!seen.contains(n)) {
                    missing.add(n);
                }
            }
            for (int n = got + 1; missing.size() < f.plan - got; n++) {
                missing.add(n);
            }
            boolean first = true;
            for (int n : missing) {
                boolean running = first && n > maxSeen;
                addPlaceholder(f, n, last, running, what);
                first = false;
            }
        }

        private void addPlaceholder(Frame f, int n, int last, boolean running, String note) {
            String name = running && f.announced != null ? f.announced : "#" + n;
            int first = running ? f.nextChildStart : -1;
            Test t = new Test(name, n, Outcome.MISSING, "", note, "", List.of(), -1, first, running ? Math.max(first, last) : -1,
                    running && f.announced != null, false);
            f.children.add(t);
            if (running) {
                f.announced = null;
            }
        }
    }

    private enum Kind { VERSION, PLAN, RESULT, SUBTEST, OTHER }

    private static Kind kind(String t) {
        if (t.startsWith("ok") || t.startsWith("not ok")) {
            if (RESULT.matcher(t).matches() && (t.length() == 2 || t.equals("not ok") || !Character.isLetterOrDigit(t.charAt(t.startsWith("ok") ? 2 : 6)))) {
                return Kind.RESULT;
            }
            return Kind.OTHER;
        }
        if (t.startsWith("1..") && PLAN.matcher(t).matches()) {
            return Kind.PLAN;
        }
        if ((t.startsWith("KTAP") || t.startsWith("TAP")) && VERSION.matcher(t).matches()) {
            return Kind.VERSION;
        }
        if (t.startsWith("#") && SUBTEST.matcher(t).matches()) {
            return Kind.SUBTEST;
        }
        return Kind.OTHER;
    }

    /** Leading whitespace width: a tab counts 8, anything else 1. */
    static int indent(String line) {
        int w = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ' ') {
                w++;
            } else if (c == '\t') {
                w += 8;
            } else {
                break;
            }
        }
        return w;
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }
}
