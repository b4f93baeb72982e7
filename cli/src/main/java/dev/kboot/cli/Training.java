package dev.kboot.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run scripts/build.sh records kboot's start-up from (the class data sharing
 * archive's class list on the default JDK, the AOT cache on a JDK 25+): the commands whose
 * start-up users wait for, in one JVM, so that one recording holds the classes of all of them.
 * With a closure: {@code --version}, {@code run --dry-run}, {@code run CLOSURE -- true} (a boot with
 * the agent), {@code test CLOSURE --suite command:smoke} and {@code results show} of that test's
 * results; without one, the commands that need no guest. Output goes nowhere; a failing command
 * only makes the recording smaller. Not part of the {@code kboot} command.
 */
final class Training {
    private Training() {
    }

    /** @param args the sample closure, or nothing */
    public static void main(String[] args) throws IOException {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true);
        Path tmp = Files.createTempDirectory("kboot-training");
        try {
            Main.run(sink, sink, "--version");
            Main.run(sink, sink, "run", "--help");
            if (args.length > 0) {
                String closure = args[0];
                Main.run(sink, sink, "run", closure, "--dry-run");
                Main.run(sink, sink, "run", closure, "-q", "--timeout", "300s", "--", "true");
                Path results = tmp.resolve("results");
                Main.run(sink, sink, "test", closure, "-q", "--suite", "command:smoke", "--results", results.toString(), "--timeout", "300s");
                Main.run(sink, sink, "results", "show", results.toString());
            }
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        System.exit(0);
    }
}
