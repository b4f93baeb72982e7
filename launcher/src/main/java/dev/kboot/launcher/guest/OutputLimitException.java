package dev.kboot.launcher.guest;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;

/**
 * A command whose output kboot collects (no {@link OutputListener}) wrote more than the limit
 * ({@link Guest#DEFAULT_OUTPUT_LIMIT} unless set with {@link Guest#outputLimit(long)}): it was
 * killed in the guest and its output dropped, so that a runaway command cannot exhaust the
 * host's memory. Stream such output with a listener instead. Exit 125 when it reaches the CLI.
 */
public final class OutputLimitException extends KbootException {
    private final long limit;

    /**
     * @param command the command
     * @param limit   the limit in bytes (stdout and stderr together)
     */
    public OutputLimitException(String command, long limit) {
        super(ExitCode.INTERNAL, "`" + command + "` wrote more than " + human(limit) + " of output, the most kboot collects for a command;"
                + " it was killed (stream its output with an OutputListener instead)", null, null);
        this.limit = limit;
    }

    /** @return the limit in bytes */
    public long limit() {
        return limit;
    }

    private static String human(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }
}
