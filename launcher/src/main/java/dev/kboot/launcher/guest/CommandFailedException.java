package dev.kboot.launcher.guest;

/**
 * A guest command did not end as the caller asserted ({@link Guest#succeed}): a test outcome,
 * kept apart from infrastructure faults ({@link GuestException}).
 */
public class CommandFailedException extends AssertionError {
    private final transient ExecResult result;

    /** @param result the command's result */
    public CommandFailedException(String message, ExecResult result) {
        super(message);
        this.result = result;
    }

    /** @return what the command did */
    public ExecResult result() {
        return result;
    }
}
