package dev.kboot.harness.crash;

import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.Lines;
import dev.kboot.harness.parse.Located;
import dev.kboot.launcher.console.ConsoleLine;
import dev.kboot.launcher.console.CrashWatch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Attributes kernel incidents seen on the console ({@link CrashWatch}, the launcher's crash
 * signatures) to the tests that were running when they appeared:
 * <ul>
 * <li>the first fatal incident (panic, Oops, BUG, KASAN, soft lockup, hung task, RCU stall, GPF)
 *     inside a test's window makes that test CRASH, with the title of the first report since the test
 *     started as its reason (a later panic or hung task caused by it does not replace it) and the
 *     incident attached; tests that started after it, and tests that never reported (MISS), are MISS
 *     "never reached"; the run is incomplete;</li>
 * <li>an incident the running test provokes on purpose ({@link ExpectedSplats}: lkdtm, the KASAN and
 *     KFENCE KUnit suites) is attached marked expected and changes nothing;</li>
 * <li>a non-fatal incident (WARNING, UBSAN) inside a test's window is attached to that test, whose
 *     status does not change;</li>
 * <li>incidents outside every window are returned as unattributed; a fatal one makes the run incomplete.</li>
 * </ul>
 * Pure: no I/O, no logging.
 */
public final class CrashAttribution {
    /** fstests and blktests write {@code run fstests generic/001 at DATE} to /dev/kmsg before each test. */
    private static final Pattern MARKER = Pattern.compile("\\brun (fstests|blktests) (\\S+) at ");
    /** LTP's pan writes {@code LTP: starting abort01 (abort01)} to /dev/kmsg. */
    private static final Pattern LTP_MARKER = Pattern.compile("\\bLTP: starting (\\S+)");

    private CrashAttribution() {
    }

    /**
     * The attributed results.
     *
     * @param tests        every result, in the input order, with CRASH and MISS applied and incidents attached
     * @param unattributed incidents no test was running at
     * @param incomplete   why the run is incomplete because of a crash (empty when no fatal incident)
     */
    public record Outcome(List<TestResult> tests, List<Incident> unattributed, List<String> incomplete) {
    }

    /**
     * Runs the launcher's {@link CrashWatch} over console lines.
     *
     * @param lines the console, in order
     * @return every incident, in order
     */
    public static List<Incident> watch(List<ConsoleLine> lines) {
        CrashWatch w = new CrashWatch();
        lines.forEach(w);
        return w.incidents().stream().map(Incident::of).toList();
    }

    /**
     * Runs {@link CrashWatch} over a log's lines, numbering them: the incidents' {@code elapsedMs}
     * is the 0-based line number, so they can be set against {@link Located} line ranges.
     *
     * @param lines the log's lines
     * @return every incident, in order
     */
    public static List<Incident> watchLines(List<String> lines) {
        List<ConsoleLine> cl = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            cl.add(new ConsoleLine(i, "log", i, lines.get(i)));
        }
        return watch(cl);
    }

    /**
     * @param located results with the line ranges they came from (from the same log as the incidents)
     * @return one window per result that started ({@code firstLine >= 0}); a result that never reported
     *         its end but started gets an open window
     */
    public static List<TestWindow> windows(List<Located> located) {
        List<TestWindow> out = new ArrayList<>();
        for (Located l : located) {
            if (l.firstLine() < 0) {
                continue;
            }
            boolean open = l.result().status() == Status.MISS;
            out.add(new TestWindow(l.result().id(), l.firstLine(), open ? Long.MAX_VALUE : Math.max(l.firstLine(), l.lastLine())));
        }
        return out;
    }

    /**
     * Finds the windows that suites mark in the kernel log: {@code run fstests TEST at DATE},
     * {@code run blktests TEST at DATE} and {@code LTP: starting TEST}; each lasts until the next marker
     * (the last one stays open).
     *
     * @param lines a kernel log's lines (dmesg, console)
     * @param ids   the run's test ids; a marker names a test by its suite-local name, matched as a suffix
     * @return one window per marker that names one of {@code ids}, on the line-number clock
     */
    public static List<TestWindow> markerWindows(List<String> lines, List<TestId> ids) {
        List<int[]> marks = new ArrayList<>();
        List<TestId> which = new ArrayList<>();
        Map<String, TestId> bySuffix = new HashMap<>();
        for (TestId id : ids) {
            for (int k = 1; k < id.segments().size(); k++) {
                bySuffix.putIfAbsent(String.join("/", id.segments().subList(k, id.segments().size())), id);
            }
        }
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            Matcher m = MARKER.matcher(l);
            String name = null;
            if (m.find()) {
                name = m.group(2);
            } else {
                Matcher t = LTP_MARKER.matcher(l);
                if (t.find()) {
                    name = t.group(1);
                }
            }
            if (name != null) {
                TestId id = bySuffix.get(name);
                marks.add(new int[] {i});
                which.add(id);
            }
        }
        List<TestWindow> out = new ArrayList<>();
        for (int k = 0; k < marks.size(); k++) {
            if (which.get(k) == null) {
                continue;
            }
            long end = k + 1 < marks.size() ? marks.get(k + 1)[0] - 1 : Long.MAX_VALUE;
            out.add(new TestWindow(which.get(k), marks.get(k)[0], end));
        }
        return out;
    }

    /**
     * Attributes incidents to tests.
     *
     * @param results   every result of the run, in order
     * @param windows   when each test ran (tests without a window keep their result unless they are MISS)
     * @param incidents the console's incidents, in any order, on the same clock as the windows
     * @return the attributed results; the input lists are not changed
     */
    public static Outcome attribute(List<TestResult> results, List<TestWindow> windows, List<Incident> incidents) {
        List<Incident> sorted = new ArrayList<>();
        for (Incident i : incidents) {
            TestWindow w = windowAt(windows, i.elapsedMs());
            sorted.add(w == null ? i : ExpectedSplats.judge(w.id(), i));
        }
        sorted.sort(Comparator.comparingLong(Incident::elapsedMs));
        Incident fatal = sorted.stream().filter(i -> i.fatal() && !i.expected()).findFirst().orElse(null);
        Map<TestId, TestWindow> byId = new HashMap<>();
        for (TestWindow w : windows) {
            byId.put(w.id(), w);
        }
        TestWindow crashed = fatal == null ? null : windowAt(windows, fatal.elapsedMs());
        List<TestResult> out = new ArrayList<>();
        List<Incident> unattributed = new ArrayList<>();
        List<String> incomplete = new ArrayList<>();
        Map<TestId, List<Incident>> attached = new HashMap<>();
        for (Incident i : sorted) {
            TestWindow w = fatal != null && i != fatal && i.elapsedMs() > fatal.elapsedMs() ? crashed : windowAt(windows, i.elapsedMs());
            if (w == null) {
                unattributed.add(i);
            } else {
                attached.computeIfAbsent(w.id(), k -> new ArrayList<>()).add(i);
            }
        }
        String cause = fatal == null ? null : cause(fatal, sorted, crashed, windows);
        if (fatal != null && crashed == null) {
            incomplete.add("kernel crash while no test was running: " + cause);
        }
        for (TestResult r : results) {
            TestResult t = r;
            for (Incident i : attached.getOrDefault(r.id(), List.of())) {
                t = t.withIncident(i);
            }
            if (fatal != null) {
                TestWindow w = byId.get(r.id());
                if (crashed != null && r.id().equals(crashed.id())) {
                    t = t.withStatus(Status.CRASH, cause);
                } else if (w != null && w.startMs() > fatal.elapsedMs()) {
                    t = t.withStatus(Status.MISS, neverReached(crashed, cause));
                } else if (t.status() == Status.MISS) {
                    t = t.withReason(neverReached(crashed, cause));
                }
            }
            out.add(t);
        }
        return new Outcome(out, unattributed, incomplete);
    }

    /** The last window that holds {@code t} (windows nest when a suite marks its tests inside a runner's), or null. */
    private static TestWindow windowAt(List<TestWindow> windows, long t) {
        return windows.stream().filter(x -> x.contains(t)).reduce((a, b) -> b).orElse(null);
    }

    /**
     * Why the kernel crashed, as a reason: the title of the first report since the crashed test started
     * (a WARNING that {@code panic_on_warn} turned into a panic, an RCU stall before the hung task it
     * causes), then the fatal one's when it is another.
     */
    private static String cause(Incident fatal, List<Incident> sorted, TestWindow crashed, List<TestWindow> windows) {
        long from = crashed != null ? crashed.startMs() : windows.stream().mapToLong(TestWindow::endMs)
                .filter(e -> e < fatal.elapsedMs()).max().orElse(-1) + 1;
        Incident first = sorted.stream().filter(i -> !i.expected() && i.elapsedMs() >= from && i.elapsedMs() <= fatal.elapsedMs())
                .findFirst().orElse(fatal);
        return first == fatal || first.title().equals(fatal.title()) ? fatal.title() : first.title() + "; then " + fatal.title();
    }

    /**
     * Live runs: the results one guest command produced and the console incidents seen while it ran.
     *
     * @param results the judged results, with the incidents attached
     * @param fatal   the first incident that crashed the kernel and that the test did not provoke on purpose
     * @param cause   the crash's reason (its title, after the first report's when another came first), or null
     */
    public record Live(List<TestResult> results, Incident fatal, String cause) {
    }

    /**
     * Attaches the incidents seen during one guest command to the results it produced: each to the
     * results whose output holds its header line (a KUnit module's cases), else to all of them; an
     * incident the test provokes on purpose ({@link ExpectedSplats}) is marked expected and is not fatal.
     *
     * @param planned the planned test the command ran
     * @param judged  its results, in order
     * @param seen    the incidents, in order
     * @return the results with incidents attached, and the fatal incident if any
     */
    public static Live live(TestId planned, List<TestResult> judged, List<Incident> seen) {
        List<TestResult> out = new ArrayList<>(judged);
        Incident fatal = null;
        Incident first = null;
        for (Incident raw : seen) {
            String header = Lines.stripConsolePrefix(raw.line()).strip();
            List<Integer> targets = new ArrayList<>();
            for (int k = 0; k < out.size(); k++) {
                if (!header.isEmpty() && out.get(k).excerpt().contains(header)) {
                    targets.add(k);
                }
            }
            if (targets.isEmpty()) {
                for (int k = 0; k < out.size(); k++) {
                    targets.add(k);
                }
            }
            boolean expected = ExpectedSplats.provokes(planned, raw);
            for (int k : targets) {
                TestResult r = out.get(k);
                Incident i = expected ? raw.asExpected() : ExpectedSplats.judge(r.id(), raw);
                expected = expected || i.expected();
                out.set(k, r.withIncident(i));
            }
            if (!expected && first == null) {
                first = raw;
            }
            if (!expected && raw.fatal() && fatal == null) {
                fatal = raw;
            }
        }
        String cause = fatal == null ? null
                : first == null || first == fatal || first.title().equals(fatal.title()) ? fatal.title() : first.title() + "; then " + fatal.title();
        return new Live(out, fatal, cause);
    }

    private static String neverReached(TestWindow crashed, String cause) {
        return "never reached: the kernel crashed" + (crashed == null ? "" : " during " + crashed.id()) + " (" + cause + ")";
    }
}
