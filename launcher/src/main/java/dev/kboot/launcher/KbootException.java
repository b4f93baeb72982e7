package dev.kboot.launcher;

/**
 * Root of kboot's infrastructure errors: anything that stops kboot from booting or talking to a
 * guest. Its message is the one line the user sees (naming the file, field and what was
 * expected where there is one); {@link #exitCode()} is the documented exit status. Test-suite
 * verdicts are never exceptions (they are results).
 */
public class KbootException extends RuntimeException {
    private final ExitCode exitCode;
    private final String detail;

    /**
     * @param exitCode the documented exit status for this failure
     * @param message  one line, shown to the user as is
     */
    public KbootException(ExitCode exitCode, String message) {
        this(exitCode, message, null, null);
    }

    /**
     * @param exitCode the documented exit status
     * @param message  one line, shown to the user as is
     * @param detail   extra lines shown below the message (a log tail, a console excerpt), or null
     * @param cause    the underlying exception (shown only with --debug), or null
     */
    public KbootException(ExitCode exitCode, String message, String detail, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.detail = detail;
    }

    /** @return the exit status kboot ends with for this failure */
    public ExitCode exitCode() {
        return exitCode;
    }

    /** @return extra lines for the user (log tail, console excerpt), or null */
    public String detail() {
        return detail;
    }

    /** A bad command-line value: exit 64. */
    public static KbootException usage(String message) {
        return new KbootException(ExitCode.USAGE, message);
    }

    /**
     * A malformed input file or field: exit 65.
     *
     * @param file     the file at fault
     * @param field    the key or field within it (dotted path), or null for the whole file
     * @param expected what was expected and, where known, what was found
     */
    public static KbootException badInput(java.nio.file.Path file, String field, String expected) {
        String where = field == null ? file.toString() : file + ": key '" + field + "'";
        return new KbootException(ExitCode.DATA, where + ": " + expected);
    }

    /** A missing or unreadable input file: exit 66. */
    public static KbootException missing(String what, java.nio.file.Path file) {
        return new KbootException(ExitCode.NO_INPUT, what + " not found: " + file);
    }

    /** A missing or unusable tool (qemu, virtiofsd, accelerator): exit 69. */
    public static KbootException unavailable(String message) {
        return new KbootException(ExitCode.UNAVAILABLE, message);
    }

    /** kboot's own failure: exit 125. */
    public static KbootException internal(String message, Throwable cause) {
        return new KbootException(ExitCode.INTERNAL, message, null, cause);
    }
}
