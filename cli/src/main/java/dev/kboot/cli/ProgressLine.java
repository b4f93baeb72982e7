package dev.kboot.cli;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.run.Progress;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The live progress of {@code kboot test} and {@code results import} on a terminal: one line,
 * redrawn in place ({@code \r}, erase to the end of the line) every second and at every event,
 *
 * <pre>  [12/83] 10 pass 1 fail 1 skip  kselftest/timers/nanosleep 0:07  ETA 3:40</pre>
 *
 * tests done of those planned, the counts so far, the running test and how long it has run, and
 * the time left from the expected durations (the baseline's or the profile's, else the mean so
 * far). A result that did not pass is printed as a permanent line above it. Without a terminal
 * ({@code live} false) it prints one line per finished test and nothing else, as a log wants.
 */
final class ProgressLine implements Progress, AutoCloseable {
    private final PrintWriter out;
    private final boolean live;
    private final boolean colour;
    private final int columns;
    private final boolean plainLines;
    private final LongSupplier clock;
    private final Set<TestId> planned = new LinkedHashSet<>();
    private final Set<TestId> done = new HashSet<>();
    private final Map<TestId, Long> expected = new HashMap<>();
    private final Map<Status, Integer> counts = new EnumMap<>(Status.class);
    private final ScheduledExecutorService ticker;
    private boolean unknownTotal;
    private int finished;
    private long doneMs;
    private int timed;
    /** Planned tests not yet done: the sum of the expected durations of those that have one (ms), and how many have none. */
    private long knownLeftMs;
    private int unknownLeft;
    private TestId current;
    private long currentStart;
    private String step;
    private boolean eta = true;
    private boolean drawn;

    /**
     * @param out        where it writes (stderr)
     * @param live       whether {@code out} is a terminal: a redrawn line; else plain lines
     * @param colour     whether to colour statuses
     * @param columns    the terminal's width
     * @param plainLines whether to print one line per finished test when not live, and one per test
     *                   that did not pass above the live line
     * @param clock      ms, for elapsed times
     * @param tick       whether to redraw every second (a timer thread)
     */
    ProgressLine(PrintWriter out, boolean live, boolean colour, int columns, boolean plainLines, LongSupplier clock, boolean tick) {
        this.out = out;
        this.live = live;
        this.colour = colour;
        this.columns = Math.max(20, columns);
        this.plainLines = plainLines;
        this.clock = clock;
        if (live && tick) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "kboot-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::redraw, 1, 1, TimeUnit.SECONDS);
        } else {
            ticker = null;
        }
    }

    /**
     * @return a progress line on stderr for this process: live on a terminal (unless --verbose, whose
     *         console lines would break it), plain lines otherwise; nothing with --quiet
     */
    static ProgressLine forStderr(PrintWriter err, CommonOptions common, boolean plainLines) {
        boolean live = !common.quiet && !common.verbose && Terminal.isTerminal(Terminal.STDERR) && !"dumb".equals(System.getenv("TERM"));
        return new ProgressLine(err, live, live && common.colour(Terminal.STDERR), live ? Terminal.columns() : 80, plainLines,
                System::currentTimeMillis, true);
    }

    @Override
    public synchronized void planned(String suite, List<TestId> tests, Map<TestId, Long> expectedMs) {
        if (tests.isEmpty()) {
            unknownTotal = true;
        }
        planned.addAll(tests);
        expected.putAll(expectedMs);
        knownLeftMs = 0;
        unknownLeft = 0;
        for (TestId t : planned) {
            if (!done.contains(t)) {
                left(t, 1);
            }
        }
        draw();
    }

    @Override
    public synchronized void started(TestId test) {
        current = test;
        step = null;
        currentStart = clock.getAsLong();
        draw();
    }

    @Override
    public synchronized void step(String what) {
        step = what;
        current = null;
        currentStart = clock.getAsLong();
        draw();
    }

    /**
     * For work whose results' durations say nothing of the time left ({@code results import}: the
     * tests ran elsewhere): no ETA.
     *
     * @return this
     */
    synchronized ProgressLine withoutEta() {
        eta = false;
        return this;
    }

    @Override
    public synchronized void finished(TestResult r) {
        finished++;
        if (done.add(r.id()) && planned.contains(r.id())) {
            left(r.id(), -1);
        }
        counts.merge(r.status(), 1, Integer::sum);
        if (r.durationMs() != null) {
            doneMs += r.durationMs();
            timed++;
        }
        if (r.id().equals(current)) {
            current = null;
        }
        if (live) {
            if (!r.status().passed() && plainLines) {
                permanent(paint(r.status(), Progress.line(r)));
            }
            draw();
        } else if (plainLines) {
            out.println(Progress.line(r));
            out.flush();
        }
    }

    /** Prints a line of its own (a notice), keeping the progress line below it. */
    synchronized void println(String line) {
        permanent(line);
        draw();
    }

    private void permanent(String line) {
        clear();
        out.println(line);
        out.flush();
    }

    private synchronized void redraw() {
        draw();
    }

    private void draw() {
        if (!live) {
            return;
        }
        String text = text(clock.getAsLong());
        String visible = text.length() > columns - 1 ? text.substring(0, columns - 2) + "…" : text;
        out.print("\r" + colourCounts(visible) + "\u001b[K");
        out.flush();
        drawn = true;
    }

    private void clear() {
        if (drawn) {
            out.print("\r\u001b[K");
            drawn = false;
        }
    }

    /** @return the line's text at {@code now} (no colour) */
    synchronized String text(long now) {
        StringBuilder b = new StringBuilder();
        int total = planned.size();
        b.append('[').append(finished);
        if (!unknownTotal && total > 0) {
            b.append('/').append(Math.max(total, finished));
        }
        b.append(finished == 1 ? " test] " : " tests] ");
        List<String> parts = new ArrayList<>();
        counts.forEach((s, n) -> parts.add(n + " " + s.key()));
        b.append(parts.isEmpty() ? "starting" : String.join(" ", parts));
        if (current != null) {
            b.append("  ").append(current).append(' ').append(clockTime(now - currentStart));
        } else if (step != null) {
            b.append("  ").append(step).append(' ').append(clockTime(now - currentStart));
        }
        Long left = eta ? eta(now) : null;
        if (left != null) {
            b.append("  ETA ").append(clockTime(left));
        }
        return b.toString();
    }

    /** Adds ({@code sign} 1) or removes (-1) a planned test's share of the time left. */
    private void left(TestId t, int sign) {
        Long e = expected.get(t);
        if (e == null) {
            unknownLeft += sign;
        } else {
            knownLeftMs += sign * e;
        }
    }

    /**
     * @return ms left: the running test's remainder and each test not yet run, by its expected
     *         duration or the mean so far; null when unknown. O(1): the sums are kept as tests finish.
     */
    private Long eta(long now) {
        if (unknownTotal || planned.isEmpty()) {
            return null;
        }
        Long mean = timed == 0 ? null : doneMs / timed;
        if (unknownLeft > 0 && mean == null) {
            return null;
        }
        long left = knownLeftMs + (unknownLeft > 0 ? unknownLeft * mean : 0);
        if (current != null && planned.contains(current) && !done.contains(current)) {
            long e = expected.getOrDefault(current, mean == null ? 0 : mean);
            left += Math.max(0, e - (now - currentStart)) - e;
        }
        return left;
    }

    static String clockTime(long ms) {
        long s = Math.max(0, ms) / 1000;
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private String paint(Status s, String text) {
        return Terminal.paint(colour, sgr(s), text);
    }

    private static String sgr(Status s) {
        return Terminal.sgr(s);
    }

    private String colourCounts(String text) {
        if (!colour) {
            return text;
        }
        String t = text;
        for (Status s : counts.keySet()) {
            t = t.replaceFirst("(?<= |\\] )(\\d+ " + s.key() + ")(?= |$)", "\u001b[" + sgr(s) + "m$1\u001b[0m");
        }
        return t;
    }

    /** Stops redrawing and erases the line. */
    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        clear();
        out.flush();
    }
}
