package dev.kboot.cli;

import dev.kboot.launcher.KbootException;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every subcommand has (a picocli mixin). */
public final class CommonOptions {
    @Option(names = "--debug", description = "Show stack traces for errors.")
    boolean debug;

    @Option(names = {"-q", "--quiet"}, description = "Do not stream the guest console; print only kboot's own messages and the outcome.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "Show more: the kernel console next to command output, kboot's choices.")
    boolean verbose;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", completionCandidates = ColorValues.class,
            description = "Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never (default: ${DEFAULT-VALUE}).")
    String color = "auto";

    /** The values of --color, for completion and help. */
    static final class ColorValues implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("auto", "always", "never").iterator();
        }
    }

    /**
     * @param fd the descriptor the coloured output goes to ({@link Terminal#STDOUT}, {@link Terminal#STDERR})
     * @return whether to colour it
     * @throws KbootException 64 for a --color value other than auto, always or never
     */
    boolean colour(int fd) {
        if (!List.of("auto", "always", "never").contains(color)) {
            throw KbootException.usage("--color " + color + ": expected auto, always or never");
        }
        return Terminal.colour(color, fd);
    }
}
