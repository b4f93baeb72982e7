package dev.kboot.launcher.console;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Watches console lines for {@link CrashSignature}s and keeps each incident: its signature, the
 * line that showed it, and an excerpt (the lines before it that belong to the report and up to
 * {@value #AFTER} lines after, until the report's end marker).
 */
public final class CrashWatch implements Consumer<ConsoleLine> {
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
    private final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();
    private Incident open;
    private int openLines;

    @Override
    public synchronized void accept(ConsoleLine line) {
        String t = line.text();
        if (open != null) {
            synchronized (open.excerpt()) {
                open.excerpt().add(t);
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
            incidents.add(i);
            open = i;
            openLines = 0;
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

    /** @return incidents from index {@code from} on (for per-test attribution) */
    public synchronized List<Incident> since(int from) {
        return List.copyOf(incidents.subList(Math.min(from, incidents.size()), incidents.size()));
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
