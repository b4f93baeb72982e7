package dev.kboot.cli;

import picocli.CommandLine.Option;

/** Options every subcommand has (a picocli mixin). */
public final class CommonOptions {
    @Option(names = "--debug", description = "Show stack traces for errors.")
    boolean debug;

    @Option(names = {"-q", "--quiet"}, description = "Do not stream the guest console; print only kboot's own messages and the outcome.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "Show more: the kernel console next to command output, kboot's choices.")
    boolean verbose;
}
