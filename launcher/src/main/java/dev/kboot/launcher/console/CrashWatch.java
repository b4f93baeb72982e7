package dev.kboot.launcher.console;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Watches console lines for {@link CrashSignature}s and keeps each incident: its signature, the
 * line that showed it, and an excerpt (the lines before it that belong to the report and up to
 * {@value #AFTER} lines after, until the report's end marker).
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
    public static final int MAX_EXCERPT_CHARS = 32 << 10;
    private static final int BEFORE = 5;
    private static final int AFTER = 80;

    /**
     * One crash or warning seen on the console.
     *
     * @param signature what it is
     * @param line      the line that showed it
     * @param excerpt   the report, as console lines (grows until the report ends)
     */
    public record Incident(CrashSignature signature, ConsoleLine line, List<String> excerpt) {
        /** @return the excerpt joined with newlines */
        public String text() {
            synchronized (excerpt) {
                return String.join("\n", excerpt);
            }
        }
    }

    private final List<Incident> incidents = new ArrayList<>();
    private final List<Long> sequence = new ArrayList<>();
    private final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();
    private long seen;
    private Incident open;
    private int openLines;
    private int openChars;

    @Override
    public synchronized void accept(ConsoleLine line) {
        String t = line.text();
        if (open != null) {
            if (openChars + t.length() <= MAX_EXCERPT_CHARS) {
                synchronized (open.excerpt()) {
                    open.excerpt().add(t);
                }
                openChars += t.length();
            }
            openLines++;
            if (openLines >= AFTER || t.contains("---[ end ")) {
                open = null;
            }
        }
        var sig = CrashSignature.match(t);
        if (sig.isPresent() && (open == null || sig.get() == CrashSignature.PANIC)) {
            List<String> excerpt = new ArrayList<>();
            if (open == null) {
                excerpt.addAll(recent);
                excerpt.add(t);
            } else {
                excerpt = open.excerpt(); // a panic that ends an Oops belongs to the same report
            }
            Incident i = new Incident(sig.get(), line, excerpt);
            long seq = seen++;
            if (incidents.size() < MAX_INCIDENTS || (sig.get() == CrashSignature.PANIC && panic().isEmpty())) {
                incidents.add(i);
                sequence.add(seq);
                open = i;
                openLines = 0;
                openChars = excerpt.stream().mapToInt(String::length).sum();
            } else {
                open = null; // counted, not kept
            }
        }
        recent.addLast(t);
        if (recent.size() > BEFORE) {
            recent.removeFirst();
        }
    }

    /** @return every incident so far, in order */
    public synchronized List<Incident> incidents() {
        return List.copyOf(incidents);
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
