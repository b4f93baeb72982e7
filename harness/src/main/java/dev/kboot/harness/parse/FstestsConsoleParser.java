package dev.kboot.harness.parse;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judges what fstests' {@code ./check} prints on its terminal, as its users see it and paste it into
 * mails and CI logs (the format of fstests' {@code check} and {@code common/rc}):
 * <pre>
 * SECTION       -- ext4_1k                        (only with sections)
 * FSTYP         -- ext4
 * PLATFORM      -- Linux/x86_64 host 6.5.0+ #1 SMP ...
 * generic/001 5s ...  4s                          pass, last time then this time
 * generic/003       [not run] this test requires a valid $SCRATCH_DEV
 * generic/004       [expunged]
 * generic/388       [failed, exit status 1]- output mismatch (see .../generic/388.out.bad)
 *     --- tests/generic/388.out ...               the diff, four spaces in
 * generic/020 _check_generic_filesystem: filesystem on /dev/loop50 is inconsistent
 * generic/074       _check_dmesg: something found in dmesg (see .../generic/074.dmesg)
 * Ran: generic/001 ...
 * Not run: generic/003 ...
 * Failures: generic/388 ...
 * Failed 1 of 3 tests                             or: Passed all 3 tests
 * </pre>
 * with the test's own chatter, kernel log lines ({@code [ 7.74] run fstests generic/579 at ...}) and
 * {@code ./check -T} timestamps ({@code [10:02:25]}) in between. Any number of runs and sections may
 * follow each other. Ids are {@code fstests/SECTION/TEST}, {@code global} without sections, as the xunit
 * report's. A test whose line never got its outcome is judged from the summary lists when they name
 * it, else it is MISS (the output ended while it ran); tests a summary names that never had a line of
 * their own are judged from the summary. A test seen twice in one section keeps its last verdict.
 *
 * <p>Pure; never throws.
 */
public final class FstestsConsoleParser {
    private static final String SUITE = FstestsParser.SUITE;
    private static final Pattern TEST = Pattern.compile("^([a-z][a-z0-9]*/\\d{3,4})(?=\\s|$)(.*)$");
    private static final Pattern SECTION = Pattern.compile("^SECTION\\s+--\\s+(\\S+)");
    private static final Pattern CONFIG = Pattern.compile("^(?:FSTYP|PLATFORM|MKFS_OPTIONS|MOUNT_OPTIONS|RECREATING)\\s+--");
    private static final Pattern LIST = Pattern.compile("^(Ran|Not run|Failures):(.*)$");
    private static final Pattern FAILED = Pattern.compile("^(?:Failed \\d+ of \\d+ tests|Passed all \\d+ tests)\\s*$");
    private static final Pattern IDS = Pattern.compile("^\\s*(?:[a-z][a-z0-9]*/\\d{3,4}\\s*)+$");
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9]*/\\d{3,4}");
    private static final Pattern TIME = Pattern.compile("(?:^|\\s)(\\d+)s\\s*$");
    private static final Pattern EXIT = Pattern.compile("\\[failed, exit status (-?\\d+)\\]");
    private static final Pattern CHECK = Pattern.compile("_check_(\\w+): (.*?)(?:\\s*\\(see [^)]*\\))?\\s*$");
    private static final Pattern NOT_RUN = Pattern.compile("\\[not run\\]\\s*(.*)$");
    private static final Pattern TIMESTAMP = Pattern.compile("\\s*\\[\\d\\d:\\d\\d:\\d\\d\\]");

    private FstestsConsoleParser() {
    }

    /**
     * @param text {@code ./check}'s output (a terminal log, a CI log, a mail); may be cut short
     * @return one result per test, in order
     */
    public static List<TestResult> parse(String text) {
        return Located.results(parseLocated(text));
    }

    /**
     * @param text {@code ./check}'s output
     * @return one result per test with the lines it owned (its line to the line before the next test or
     *         summary); an ERROR or MISS result {@code fstests/(output)} when the text holds no test at all
     */
    public static List<Located> parseLocated(String text) {
        List<String> lines = Lines.split(text == null ? "" : text);
        Run run = new Run(lines);
        run.go();
        return run.finish();
    }

    /** The test whose outcome is being read. */
    private static final class Open {
        final TestId id;
        final int first;
        int last;
        String raw;
        boolean expunged;
        boolean notRun;
        String notRunReason;
        final List<String> failures = new ArrayList<>();
        boolean error;
        String errorReason;
        Long ms;
        boolean awaitNotRunReason;

        Open(TestId id, int first, String raw) {
            this.id = id;
            this.first = first;
            this.last = first;
            this.raw = raw;
        }

        boolean decided() {
            return expunged || notRun || !failures.isEmpty() || error || ms != null;
        }
    }

    /** The state of one parse. */
    private static final class Run {
        final List<String> lines;
        final Map<TestId, Located> results = new LinkedHashMap<>();
        String section = "global";
        Open open;
        /** The summary lists of the current run: Ran, Not run, Failures. */
        final Map<String, Set<String>> lists = new LinkedHashMap<>();
        String listing;
        final List<Open> undecided = new ArrayList<>();
        long nonBlank;

        Run(List<String> lines) {
            this.lines = lines;
        }

        void go() {
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (!line.isBlank()) {
                    nonBlank++;
                }
                if (Lines.hasConsolePrefix(line)) {
                    continue; // a kernel log line among the output: it belongs to the open test's lines, nothing more
                }
                if (listing != null && IDS.matcher(line).matches()) {
                    addIds(listing, line); // a list wrapped onto the next line
                    continue;
                }
                listing = null;
                Matcher m;
                if ((m = SECTION.matcher(line)).find()) {
                    endRun(i);
                    section = m.group(1);
                    continue;
                }
                if (CONFIG.matcher(line).find()) {
                    if (open != null || !lists.isEmpty()) {
                        endRun(i);
                    }
                    continue;
                }
                if ((m = LIST.matcher(line)).find()) {
                    close(i - 1);
                    listing = m.group(1);
                    addIds(listing, m.group(2));
                    continue;
                }
                if (FAILED.matcher(line).find()) {
                    close(i - 1);
                    continue;
                }
                if (line.startsWith("Interrupted!")) {
                    if (open != null) {
                        open.error = false;
                        close(i - 1);
                    }
                    continue;
                }
                if ((m = TEST.matcher(line)).find()) {
                    close(i - 1);
                    open = new Open(TestId.of(SUITE, section, m.group(1)), i, m.group(2).strip());
                    scan(m.group(2), true);
                    continue;
                }
                if (open != null) {
                    open.last = i;
                    scan(line, false);
                }
            }
            endRun(lines.size() - 1);
        }

        private void addIds(String list, String ids) {
            Set<String> s = lists.computeIfAbsent(list, k -> new LinkedHashSet<>());
            Matcher m = ID.matcher(ids);
            while (m.find()) {
                s.add(m.group());
            }
        }

        /** Reads the outcome markers of a line of the open test. */
        private void scan(String text, boolean first) {
            Open o = open;
            String t = TIMESTAMP.matcher(text).replaceAll(" ");
            if (o.awaitNotRunReason && !t.isBlank()) {
                // ./check -T prints " [not run]" and then "\tgeneric/001 -- reason"
                String r = t.strip();
                int dash = r.indexOf(" -- ");
                o.notRunReason = dash >= 0 ? r.substring(dash + 4).strip() : r;
                o.awaitNotRunReason = false;
                return;
            }
            if (t.contains("[expunged]")) {
                o.expunged = true;
            }
            Matcher n = NOT_RUN.matcher(t);
            if (n.find()) {
                o.notRun = true;
                o.notRunReason = n.group(1).strip();
                o.awaitNotRunReason = o.notRunReason.isEmpty();
            }
            Matcher e = EXIT.matcher(t);
            if (e.find()) {
                o.failures.add("exit status " + e.group(1));
            }
            if (t.contains("- output mismatch")) {
                o.failures.add("output mismatch");
            }
            Matcher c = CHECK.matcher(t);
            if (c.find() && (first || t.strip().startsWith("_check_"))) {
                o.failures.add(c.group(2).strip());
            }
            if (t.contains("[dumped core]")) {
                o.failures.add("dumped core");
            }
            if (t.contains(" - no such test?")) {
                o.error = true;
                o.errorReason = "no such test";
            }
            if (t.strip().equals("no qualified output")) {
                o.failures.add("no qualified output (the test has no .out file)");
            }
            Matcher d = TIME.matcher(t);
            if (d.find() && (first || t.strip().matches("\\d+s")) && o.failures.isEmpty() && !o.notRun && !o.expunged) {
                o.ms = Long.parseLong(d.group(1)) * 1000;
            }
        }

        /** Ends the open test at line {@code last} (its result is kept, or left to the summary when it printed no outcome). */
        private void close(int last) {
            Open o = open;
            open = null;
            if (o == null) {
                return;
            }
            o.last = Math.max(o.first, Math.min(o.last, last));
            if (o.decided()) {
                put(o, judge(o));
            } else {
                undecided.add(o);
            }
        }

        private static TestResult judge(Open o) {
            TestResult r;
            if (o.expunged) {
                r = TestResult.of(o.id, Status.EXPUNGED, o.raw, "expunged (./check -e or -E)");
            } else if (o.notRun) {
                r = TestResult.of(o.id, Status.SKIP, o.raw, o.notRunReason == null || o.notRunReason.isEmpty() ? "not run" : o.notRunReason);
            } else if (!o.failures.isEmpty()) {
                r = TestResult.fail(o.id, o.raw, String.join("; ", new LinkedHashSet<>(o.failures)));
            } else if (o.error) {
                r = TestResult.error(o.id, o.raw, o.errorReason);
            } else {
                r = TestResult.pass(o.id, o.raw);
            }
            return r.withDuration(o.ms);
        }

        private void put(Open o, TestResult r) {
            results.remove(o.id); // seen twice in one section: the last run's verdict stands
            results.put(o.id, new Located(r.withExcerpt(Lines.join(lines, o.first, o.last)), o.first, o.last));
        }

        /** Ends a run: tests that printed no outcome are judged from its summary lists, and tests only the lists name are added. */
        private void endRun(int last) {
            close(last);
            listing = null;
            Set<String> ran = lists.getOrDefault("Ran", Set.of());
            Set<String> notRun = lists.getOrDefault("Not run", Set.of());
            Set<String> failures = lists.getOrDefault("Failures", Set.of());
            Set<String> seen = new LinkedHashSet<>();
            for (Open o : undecided) {
                String name = o.id.segments().get(2);
                seen.add(name);
                TestResult r;
                if (failures.contains(name)) {
                    r = TestResult.fail(o.id, o.raw, "listed under Failures (its own line printed no outcome)");
                } else if (notRun.contains(name)) {
                    r = TestResult.of(o.id, Status.SKIP, o.raw, "listed under Not run");
                } else if (ran.contains(name)) {
                    r = TestResult.pass(o.id, o.raw).withReason("listed under Ran, not under Failures (its own line printed no time)");
                } else {
                    r = TestResult.miss(o.id, "the output ended while it ran").withStatus(Status.MISS);
                }
                put(o, r);
            }
            undecided.clear();
            Set<String> named = new LinkedHashSet<>(ran);
            named.addAll(notRun);
            named.addAll(failures);
            for (String name : named) {
                TestId id = TestId.of(SUITE, section, name);
                if (results.containsKey(id) || seen.contains(name)) {
                    continue;
                }
                TestResult r = failures.contains(name) ? TestResult.fail(id, "Failures", "listed under Failures in the summary (no line of its own)")
                        : notRun.contains(name) ? TestResult.of(id, Status.SKIP, "Not run", "listed under Not run in the summary (no line of its own)")
                        : TestResult.pass(id, "Ran").withReason("listed under Ran in the summary (no line of its own)");
                results.put(id, new Located(r, -1, -1));
            }
            lists.clear();
        }

        List<Located> finish() {
            List<Located> out = new ArrayList<>(results.values());
            if (out.isEmpty()) {
                TestId id = TestId.of(SUITE, "(output)");
                out.add(new Located(nonBlank == 0 ? TestResult.miss(id, "fstests printed nothing")
                        : TestResult.error(id, "", "no fstests test lines (generic/001 ...) in " + nonBlank + " lines of output"), -1, -1));
            }
            return out;
        }
    }
}
