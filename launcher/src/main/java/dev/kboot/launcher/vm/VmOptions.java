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
 * @param transferDir the host directory of the writable transfer share (created; kept when the
 *                    guest is closed; relative to the working directory if relative), or null for
 *                    one in the run directory, removed with it
 */
public record VmOptions(Consumer<String> liveConsole, Path consoleLog, Consumer<String> notices, Timings timings, Path transferDir) {
    /** Options with the transfer share in the run directory. */
    public VmOptions(Consumer<String> liveConsole, Path consoleLog, Consumer<String> notices, Timings timings) {
        this(liveConsole, consoleLog, notices, timings, null);
    }

    /** @return options for an embedded, quiet guest */
    public static VmOptions quiet() {
        return new VmOptions(null, null, null, new Timings());
    }

    /** @return a copy with the transfer share in {@code dir} (results a suite writes there outlive the run) */
    public VmOptions withTransferDir(Path dir) {
        return new VmOptions(liveConsole, consoleLog, notices, timings, dir);
    }
}
