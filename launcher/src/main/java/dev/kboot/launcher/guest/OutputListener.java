package dev.kboot.launcher.guest;

/**
 * Receives a command's output as it arrives, in order per stream. Called on the agent channel's
 * reader thread: keep it short (write to a stream, append to a buffer).
 */
public interface OutputListener {
    /** @param data the next bytes of standard output (owned by the callee) */
    void stdout(byte[] data);

    /** @param data the next bytes of standard error (owned by the callee) */
    void stderr(byte[] data);
}
