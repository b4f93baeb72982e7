package dev.kboot.launcher.guest;

import java.io.IOException;

/**
 * The agent channel cannot carry a command to its end: the port closed, the agent restarted or
 * broke the protocol. Raised by {@link Execution} and {@link AgentChannel}; {@link Guest} turns
 * it into a {@link GuestException} with the exit code that fits the {@link Kind}.
 */
public final class AgentException extends IOException {
    /** Why the channel failed. */
    public enum Kind {
        /** The port's connection ended or failed (QEMU exited, the guest went away). */
        CLOSED,
        /** The agent said hello again: it was restarted in the guest, what ran before is lost. */
        RESTARTED,
        /** The agent sent what protocol version 2 does not allow, or speaks another version. */
        PROTOCOL
    }

    private final Kind kind;

    /**
     * @param kind    why
     * @param message one line for the user
     */
    public AgentException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** @return why the channel failed */
    public Kind kind() {
        return kind;
    }
}
