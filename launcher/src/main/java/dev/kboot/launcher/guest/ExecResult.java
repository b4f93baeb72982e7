package dev.kboot.launcher.guest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What one guest command did.
 *
 * @param command  the command line run by the guest's /bin/sh -c
 * @param ending   how it ended
 * @param status   the exit status (for {@link Ending#EXITED}) or the signal number (otherwise)
 * @param stdout   its standard output, byte-exact (empty when streamed to a listener)
 * @param stderr   its standard error, byte-exact (empty when streamed to a listener)
 * @param duration how long it ran in the guest, from fork to exit (guest clock, microsecond resolution)
 */
public record ExecResult(String command, Ending ending, int status, byte[] stdout, byte[] stderr, Duration duration) {

    /** How a command ended. */
    public enum Ending {
        /** It exited with {@code status}. */
        EXITED,
        /** A signal ({@code status}) killed it. */
        SIGNALED,
        /** It ran past its timeout and its process group was killed ({@code status}: the signal). */
        TIMED_OUT,
        /** It could not be started ({@code status}: errno). */
        NOT_STARTED
    }

    /** @return the status a shell would report: the exit status, 128+N for signal N, 124 for a timeout */
    public int shellStatus() {
        return switch (ending) {
            case EXITED -> status;
            case SIGNALED -> 128 + status;
            case TIMED_OUT -> 124;
            case NOT_STARTED -> 127;
        };
    }

    /** @return whether it exited with status 0 */
    public boolean succeeded() {
        return ending == Ending.EXITED && status == 0;
    }

    /** @return stdout decoded as UTF-8 */
    public String out() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** @return stderr decoded as UTF-8 */
    public String err() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /** @return e.g. "exited with status 3", "killed by signal 9", "timed out after 2000 ms" */
    public String describe() {
        return switch (ending) {
            case EXITED -> "exited with status " + status;
            case SIGNALED -> "killed by signal " + status;
            case TIMED_OUT -> "timed out (its process group was killed)";
            case NOT_STARTED -> "could not be started (errno " + status + ")";
        };
    }
}
