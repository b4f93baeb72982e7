package dev.kboot.launcher.vm;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * How a booted guest's output is handled.
 *
 * @param liveConsole receives console lines live (stdout), or null for a quiet run
 * @param consoleLog  where the timestamped console log goes, or null for the run directory
 * @param notices     receives kboot's own one-line notices (accelerator fallback, modules), or null
 * @param timings     the run's phase clock
 */
public record VmOptions(Consumer<String> liveConsole, Path consoleLog, Consumer<String> notices, Timings timings) {
    /** @return options for an embedded, quiet guest */
    public static VmOptions quiet() {
        return new VmOptions(null, null, null, new Timings());
    }
}
