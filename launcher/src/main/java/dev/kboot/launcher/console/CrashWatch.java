package dev.kboot.launcher.console;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Watches console lines for {@link CrashSignature}s and keeps each incident: its signature, the
 * line that showed it, and an excerpt (the lines before it that belong to the report and up to
 * {@value #AFTER} lines after, until the report's end marker).
 *
 * <p>The first report wins: while one is open (until its end marker or {@value #AFTER} lines), a
 * header of another kind is part of it (an Oops inside a KASAN report, lockdep splats that reporting
 * causes), except a kernel panic, which is recorded as its own incident sharing the excerpt of the
 * report that caused it ({@code panic_on_warn}, {@code Fatal exception}, also just after the report's
 * end marker), and a fatal report inside a non-fatal one (a WARNING, a data race), which starts its
 * own incident so that a crash is never hidden inside a warning; the warning's excerpt keeps growing.
 * A report without an end marker (lockdep, stalls) takes no header printed more than {@value #APART_S}
 * seconds of printk time away from its own: that is a new report. A test's {@code # }-prefixed echo
 * of report lines already seen (lkdtm prints the dmesg it checked) is no new report.
 *
 * <p>Bounded, so that a guest printing warnings for hours cannot exhaust the host's memory: at
 * most {@value #MAX_INCIDENTS} incidents are kept (later ones are counted, see {@link #seen()} and
 * {@link #dropped()}; a panic is always kept), each excerpt at most {@value #MAX_EXCERPT_CHARS}
 * characters.
 */
public final class CrashWatch implements Consumer<ConsoleLine> {
    /** The most incidents kept. */
    public static final int MAX_INCIDENTS = 256;
    /** The most characters of one incident's excerpt. */
    public static final int MAX_EXCERPT_CHARS = 64 << 10; // stack overflow reports run past 40 KiB before their first caller frame (syzkaller files 614, 615)
    private static final int BEFORE = 5;
    private static final int AFTER = 1000;
    /** Lines after a report's end marker in which a kernel panic still belongs to it ({@code Fatal exception} after other CPUs' lines). */
    private static final int TAIL = 25;
    /** Seconds of printk time after which a header no longer belongs to an open report. */
    private static final double APART_S = 10.0;
    private static final java.util.regex.Pattern PRINTK_TIME = java.util.regex.Pattern.compile("\\[\\s*(\\d{1,8}\\.\\d{1,9})\\]");

    /**
     * One crash or warning seen on the console.
     *
     * @param signature what it is
     * @param line      the line that showed it
     * @param excerpt   the report, as console lines (grows until the report ends)
     * @param header    the index of {@code line} in {@code excerpt}
     */
    public record Incident(CrashSignature signature, ConsoleLine line, List<String> excerpt, int header) {
        /** @return a copy of the excerpt as it is now */
        public List<String> lines() {
            synchronized (excerpt) {
                return List.copyOf(excerpt);
            }
        }

        /** @return the excerpt joined with newlines */
        public String text() {
            synchronized (excerpt) {
                return String.join("\n", excerpt);
            }
        }
    }

    private final List<Incident> incidents = new ArrayList<>();
    /** For each kept incident, its number among all seen (kept or not). */
    private final List<Long> sequence = new ArrayList<>();
    private long seen;
    /** The last report lines seen (their text), to know a test's echo of them. */
    private final java.util.LinkedHashSet<String> seenHeaders = new java.util.LinkedHashSet<>();
    private final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();
    /** Reports whose excerpt still grows, oldest first; the newest one takes in the headers that belong to it. */
    private final List<Open> open = new ArrayList<>();

    /** A report still being read. */
    private static final class Open {
        final Incident incident;
        /** The printk time of its header in seconds, or NaN without one. */
        final double time;
        int lines;
        /** Characters in the excerpt so far. */
        int chars;
        /** Lines still taken after its end marker (a panic that follows belongs to it), or -1 before the marker. */
        int tail = -1;

        Open(Incident incident) {
            this.incident = incident;
            this.time = printkTime(incident.line().text());
            synchronized (incident.excerpt()) {
                this.chars = incident.excerpt().stream().mapToInt(String::length).sum();
            }
        }

        /** @return whether a header printed at this printk time cannot belong to this report (long after it, or long before it: another boot) */
        boolean apart(double t) {
            return !Double.isNaN(time) && !Double.isNaN(t) && Math.abs(t - time) > APART_S;
        }

        boolean ended() {
            return tail >= 0;
        }

        /** @return false once the report is over */
        boolean add(String t) {
            if (chars + t.length() <= MAX_EXCERPT_CHARS) {
                synchronized (incident.excerpt()) {
                    incident.excerpt().add(t);
                }
                chars += t.length();
            }
            lines++;
            if (tail >= 0) {
                tail--;
            } else if (ends(incident.signature(), t)) {
                tail = TAIL;
            }
            return lines < AFTER && tail != 0;
        }
    }

    @Override
    public synchronized void accept(ConsoleLine line) {
        String t = line.text();
        open.removeIf(o -> !o.add(t));
        var sig = CrashSignature.match(t);
        if (sig.isPresent() && echo(t)) {
            sig = java.util.Optional.empty();
        }
        if (sig.isPresent()) {
            CrashSignature s = sig.get();
            // the newest report this header can belong to: not one printed long before it (a report without
            // an end marker, lockdep or a stall, is over by then; interleaved logs of two runs are apart)
            double time = printkTime(t);
            Open cur = null;
            for (int k = open.size() - 1; k >= 0 && cur == null; k--) {
                cur = open.get(k).apart(time) ? null : open.get(k);
            }
            if (cur != null && s == CrashSignature.PANIC) {
                // a panic that ends a report (panic_on_oops, panic_on_warn) belongs to it: it shares its excerpt
                List<String> excerpt = cur.incident.excerpt();
                int header;
                synchronized (excerpt) {
                    header = excerpt.size() - 1;
                }
                keep(new Incident(s, line, excerpt, header));
            } else if (cur == null || cur.ended() || s.fatal() && !cur.incident.signature().fatal()) {
                // a new report; a fatal one inside a warning's report starts its own, so that a crash is never hidden
                List<String> excerpt = new ArrayList<>(recent);
                int header = excerpt.size();
                excerpt.add(t);
                Incident i = new Incident(s, line, excerpt, header);
                if (keep(i)) {
                    open.add(new Open(i));
                    if (open.size() > 4) {
                        open.remove(0);
                    }
                }
            }
        }
        recent.addLast(t);
        if (recent.size() > BEFORE) {
            recent.removeFirst();
        }
    }

    /**
     * Whether a report line is a test's echo of one already seen ({@code # [ 12.345678] kernel BUG at ...}:
     * lkdtm's run.sh prints the dmesg it read, which the kselftest runner prefixes with {@code # }).
     * Remembers the report lines it sees; only called on them.
     */
    private boolean echo(String t) {
        String s = t.stripLeading();
        if (s.startsWith("#")) {
            String bare = s.substring(1).strip();
            if (seenHeaders.contains(bare)) {
                return true;
            }
        }
        seenHeaders.add(t.strip());
        if (seenHeaders.size() > 64) {
            seenHeaders.remove(seenHeaders.iterator().next());
        }
        return false;
    }

    /** @return the printk time of a line in seconds ({@code [   12.345678]}), or NaN; only read on report headers */
    static double printkTime(String t) {
        java.util.regex.Matcher m = PRINTK_TIME.matcher(t);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /**
     * Whether a line ends a report: the {@code ---[ end trace ... ]---} of a WARNING or an Oops, or
     * the row of {@code =} that closes a sanitizer's report.
     */
    private static boolean ends(CrashSignature kind, String t) {
        if (t.contains("---[ end ")) {
            return true; // also ---[ end Kernel panic - not syncing: ... ]---
        }
        return switch (kind) {
            case KASAN, KFENCE, KCSAN, KMSAN, UBSAN -> t.endsWith("========================================");
            default -> false;
        };
    }

    /** @return every incident so far, in order */
    public synchronized List<Incident> incidents() {
        return List.copyOf(incidents);
    }

    /** Keeps an incident while under {@value #MAX_INCIDENTS} (the first panic always); counts it either way. */
    private boolean keep(Incident i) {
        long seq = seen++;
        if (incidents.size() < MAX_INCIDENTS || (i.signature() == CrashSignature.PANIC && panic().isEmpty())) {
            incidents.add(i);
            sequence.add(seq);
            return true;
        }
        return false;
    }

    /**
     * @param from a count from {@link #seen()}
     * @return the incidents kept of those seen since {@link #seen()} returned {@code from} (for
     *         per-test attribution)
     */
    public synchronized List<Incident> since(long from) {
        List<Incident> out = new ArrayList<>();
        for (int i = 0; i < incidents.size(); i++) {
            if (sequence.get(i) >= from) {
                out.add(incidents.get(i));
            }
        }
        return List.copyOf(out);
    }

    /** @return how many incidents were seen so far, kept or not (a mark for {@link #since}) */
    public synchronized long seen() {
        return seen;
    }

    /** @return how many incidents were seen but not kept (over {@value #MAX_INCIDENTS}) */
    public synchronized long dropped() {
        return seen - incidents.size();
    }

    /** @return the first fatal incident, if any */
    public synchronized java.util.Optional<Incident> firstFatal() {
        return incidents.stream().filter(i -> i.signature().fatal()).findFirst();
    }

    /** @return the kernel panic incident, if any */
    public synchronized java.util.Optional<Incident> panic() {
        return incidents.stream().filter(i -> i.signature() == CrashSignature.PANIC).findFirst();
    }
}
