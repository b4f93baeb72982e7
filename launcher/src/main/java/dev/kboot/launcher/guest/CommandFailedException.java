package dev.kboot.launcher.guest;

/**
 * A guest command did not end as the caller asserted ({@link Guest#succeed}): a test outcome,
 * kept apart from infrastructure faults ({@link GuestException}). An unchecked exception, not an
 * AssertionError: an Error escapes picocli's handler (a stack trace, and the JVM's exit 1 that a
 * CI reads as a regression); JUnit still reports it as the test's failure.
 */
public class CommandFailedException extends RuntimeException {
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
