package dev.kboot.cli;

import dev.kboot.launcher.Units;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of the subcommands that boot a guest and talk to its agent (a picocli mixin). */
public final class GuestOptions {
    @Option(names = "--agent-timeout", paramLabel = "DURATION", defaultValue = "300s",
            description = "How long the boot may take until the guest agent answers, when commands run (default: ${DEFAULT-VALUE}).")
    String agentTimeout;

    @Option(names = "--console-log", paramLabel = "FILE",
            description = "Write the timestamped console log here (default: console.log in the run directory; for kboot test, in --results).")
    Path consoleLog;

    /** @return --agent-timeout, parsed */
    Duration agentWait() {
        return Units.duration("--agent-timeout", agentTimeout);
    }
}
