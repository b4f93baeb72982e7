package dev.kboot.launcher.vm;

import dev.kboot.launcher.ExitCode;
import java.util.Optional;

/**
 * How a guest's run ended.
 *
 * @param kind    what happened
 * @param message one line for the user
 * @param detail  the evidence: a panic excerpt, the last console lines, QEMU's log tail; or empty
 */
public record VmEnd(Kind kind, String message, Optional<String> detail) {

    /** The ways a run ends. */
    public enum Kind {
        /** The guest powered itself off. */
        POWERED_OFF(ExitCode.OK),
        /** The kernel panicked. */
        PANIC(ExitCode.GUEST_CRASH),
        /** The guest reset (rebooted or triple-faulted) without a panic on the console. */
        RESET(ExitCode.GUEST_CRASH),
        /** QEMU exited without the guest shutting down. */
        QEMU_DIED(ExitCode.GUEST_CRASH),
        /**
         * Something kboot runs on the host failed under the guest (a virtiofsd exited: the guest's
         * filesystem was gone), so kboot stopped it: not the guest's fault.
         */
        HOST_FAILURE(ExitCode.UNAVAILABLE),
        /** The deadline passed first. */
        TIMEOUT(ExitCode.TIMEOUT),
        /** kboot stopped the guest (the run was over or interrupted). */
        STOPPED(ExitCode.OK);

        private final ExitCode exitCode;

        Kind(ExitCode exitCode) {
            this.exitCode = exitCode;
        }

        /** @return the documented exit status for this ending */
        public ExitCode exitCode() {
            return exitCode;
        }
    }
}
