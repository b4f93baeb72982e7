package dev.kboot.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training runs scripts/build.sh records kboot's start-up from: the class list of the default
 * JDK's class data sharing archive, from one JVM running the families its arguments name
 * ({@code FAMILY[=ARG]}, in order), and the JDK 25 AOT caches of {@code kboot --version} (made from
 * that command alone) and of the results commands ({@code results=DIR}). An AOT cache loads and
 * links every class it holds at start, so each is trained on its commands alone: one trained on
 * the boot or on {@code --help}'s whole command model made its commands slower than CDS
 * (docs/benchmarks.md).
 * <ul>
 *   <li>{@code boot[=CLOSURE]}: {@code run --help}; with the sample closure {@code run --dry-run},
 *       {@code run CLOSURE -- true} (a boot with the agent) and {@code test CLOSURE --suite command:smoke}.</li>
 *   <li>{@code short=DIR}: the signal handlers every command installs ({@link Interrupts}),
 *       {@code --help}, {@code results show} (table and {@code --json}) and {@code results compare}
 *       of the results directory DIR.</li>
 *   <li>{@code results=DIR}: {@code results show} (table and {@code --json}) and {@code results
 *       compare} of DIR, after the signal handlers: the JDK 25 AOT cache of the results commands.</li>
 *   <li>{@code sample=DIR}: not recorded; writes the results directory the {@code short} family is
 *       trained on, with {@code kboot results import} of a KTAP stream of 400 tests (passes, failures,
 *       skips, a kernel warning), so that the recording holds the reading side only.</li>
 * </ul>
 * Output goes nowhere; a failing command only makes the recording smaller. Not part of the
 * {@code kboot} command.
 */
final class Training {
    private Training() {
    }

    /** @param args {@code FAMILY[=ARG]} words, run in order in this JVM (see the class comment) */
    public static void main(String[] args) throws IOException {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true);
        for (String a : args) {
            int eq = a.indexOf('=');
            String family = eq < 0 ? a : a.substring(0, eq);
            String arg = eq < 0 ? null : a.substring(eq + 1);
            switch (family) {
                case "boot" -> boot(sink, arg);
                case "short" -> {
                    Main.run(sink, sink, "--help");
                    results(sink, arg);
                }
                // the results commands alone, for a JDK 25 AOT cache (which loads every class it
                // holds at start: nothing of --help's whole command model)
                case "results" -> results(sink, arg);
                case "sample" -> sample(sink, Path.of(arg));
                default -> throw new IllegalArgumentException("training family: boot[=CLOSURE], short=DIR, results=DIR or sample=DIR, not " + a);
            }
        }
        System.exit(0);
    }

    /** The results commands on DIR, after what Main.main does before every command (the signal handlers). */
    private static void results(PrintStream sink, String dir) {
        Interrupts.install();
        Main.run(sink, sink, "results", "show", dir);
        Main.run(sink, sink, "results", "show", "--json", dir);
        Main.run(sink, sink, "results", "compare", dir, dir);
    }

    private static void boot(PrintStream sink, String closure) throws IOException {
        Warmup.start(); // what Main.main does before a boot: its class archived too
        Main.run(sink, sink, "run", "--help");
        if (closure == null) {
            return;
        }
        Path tmp = Files.createTempDirectory("kboot-training");
        try {
            Main.run(sink, sink, "run", closure, "--dry-run");
            Main.run(sink, sink, "run", closure, "-q", "--timeout", "300s", "--", "true");
            Path results = tmp.resolve("results");
            Main.run(sink, sink, "test", closure, "-q", "--suite", "command:smoke", "--results", results.toString(), "--timeout", "300s");
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A KTAP v1 stream of 400 tests in 8 suites with failures, skips and a warning, imported into {@code dir}. */
    private static void sample(PrintStream sink, Path dir) throws IOException {
        StringBuilder tap = new StringBuilder("KTAP version 1\n1..8\n");
        for (int s = 1; s <= 8; s++) {
            tap.append("    KTAP version 1\n    # Subtest: suite").append(s).append("\n    1..50\n");
            for (int t = 1; t <= 50; t++) {
                String name = "case_" + t;
                if (t % 17 == 0) {
                    tap.append("    # ").append(name).append(": expected 1, got 0\n    not ok ").append(t).append(' ').append(name).append('\n');
                } else if (t % 13 == 0) {
                    tap.append("    ok ").append(t).append(' ').append(name).append(" # SKIP not supported here\n");
                } else {
                    tap.append("    ok ").append(t).append(' ').append(name).append('\n');
                }
            }
            if (s == 3) {
                tap.append("[   12.345678] WARNING: CPU: 0 PID: 1 at lib/kunit/test.c:42 kunit_try_catch+0x10/0x20\n")
                        .append("[   12.345699] ---[ end trace 0000000000000000 ]---\n");
            }
            tap.append(s % 3 == 0 ? "not ok " : "ok ").append(s).append(" suite").append(s).append('\n');
        }
        Files.createDirectories(dir);
        Path in = dir.resolve("ktap.txt");
        Files.writeString(in, tap);
        Main.run(sink, sink, "results", "import", "-q", "--suite", "ktap", in.toString(), "--results", dir.toString());
    }
}
