package dev.kboot.launcher.vm;

import dev.kboot.launcher.console.Console;
import dev.kboot.launcher.console.CrashWatch;
import dev.kboot.launcher.process.Deadline;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The machine a {@code Guest} runs on: a QEMU {@link Vm} kboot booted, or a libvirt domain kboot
 * started or attached to. It owns the agent's connection, the console with its
 * {@link CrashWatch}, the phase clock, and says whether and how the guest ended.
 *
 * <p>{@link #close()} releases what kboot holds: it stops what kboot started (QEMU and its
 * daemons; a domain kboot started) and leaves alone what it only attached to. Idempotent, never
 * throws.
 */
public interface GuestMachine extends AutoCloseable {

    /** @return completes with the connection to the guest agent's virtio-serial port */
    CompletableFuture<SocketChannel> agentConnection();

    /**
     * @return whether kboot attached to a guest that was already running: its agent may have
     *         greeted an earlier connection (the guest is then probed with a command instead of
     *         waiting for the hello), and {@code Guest.shutdown()} releases it instead of
     *         powering it off. False for a guest booted for this run.
     */
    default boolean attached() {
        return false;
    }

    /** @return the guest's console (listeners, tail, waiting for text) */
    Console console();

    /** @return crashes and warnings seen on the console */
    CrashWatch crashes();

    /** @return the phase clock */
    Timings timings();

    /** @return what is known about the guest and its machine */
    GuestFacts facts();

    /** @return whether the guest is still running */
    boolean isRunning();

    /** @return whether the guest has stopped or is stopping (a shutdown was seen) */
    default boolean stopping() {
        return !isRunning();
    }

    /**
     * Waits until the guest stops or the deadline passes, and says how it ended. On TIMEOUT the
     * guest is still running.
     *
     * @param deadline when to give up
     * @return the ending, with the evidence (panic excerpt, console tail)
     */
    VmEnd awaitEnd(Deadline deadline) throws InterruptedException;

    /** @return the last {@code n} console lines, joined with newlines */
    String consoleTail(int n);

    /**
     * @return the host directory behind the guest's writable share (virtiofs tag
     *         {@link BootPlan#XFER_TAG}), when the machine has one and it is on this host
     */
    Optional<Path> sharedDirectory();

    /**
     * @return why kboot stopped the guest on the host's side, if it did (a daemon the guest
     *         depends on exited: not the guest's fault)
     */
    default Optional<String> hostFailure() {
        return Optional.empty();
    }

    /** Keeps the machine's logs when it is closed (a failed run). */
    void keepLogs();

    /** @return whether the shutdown hook is closing this machine (Ctrl-C, SIGTERM) */
    boolean interrupted();

    /** Releases the machine (see the class comment). Idempotent; never throws. */
    @Override
    void close();
}
