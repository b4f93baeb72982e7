package dev.kboot.launcher.guest;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;

/**
 * An infrastructure fault talking to the guest: the agent did not answer, the channel closed,
 * the guest died under a command. Never a test verdict (see {@link CommandFailedException}).
 */
public class GuestException extends KbootException {
    /**
     * @param code    the exit status kboot ends with
     * @param message one line
     * @param detail  evidence (console tail), or null
     */
    public GuestException(ExitCode code, String message, String detail) {
        super(code, message, detail, null);
    }
}
