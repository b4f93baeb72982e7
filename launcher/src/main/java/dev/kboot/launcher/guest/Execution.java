package dev.kboot.launcher.guest;

import dev.kboot.launcher.KbootException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A command running in the guest: feed its stdin, signal it, wait for its {@link ExecResult}.
 * Output goes to the listener given at start, or is collected for the result up to a limit
 * (beyond it the command is killed and the result is an {@link OutputLimitException}).
 *
 * <p>Stdin is flow-controlled (agent protocol 2, the 'A' frame): at most
 * {@link AgentChannel#STDIN_WINDOW} bytes are in flight, so {@link #write} blocks like a write to
 * a pipe while the command does not read, and fails once the command closed its stdin or ended.
 */
public final class Execution {
    private static final int CHUNK = 256 << 10;

    private final AgentChannel channel;
    private final int id;
    private final String command;
    private final Duration timeout;
    private final OutputListener listener;
    private final long limit;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CompletableFuture<ExecResult> result = new CompletableFuture<>();
    private final Object window = new Object();
    private long stdinSent;
    private long stdinTaken;
    private boolean stdinClosed;
    private boolean dropping;

    Execution(AgentChannel channel, int id, String command, Duration timeout, OutputListener listener, long limit) {
        this.channel = channel;
        this.id = id;
        this.command = command;
        this.timeout = timeout;
        this.listener = listener;
        this.limit = limit;
    }

    /** Output for this command (on the reader thread). A listener's exception fails this command only. */
    void output(boolean stderr, byte[] data) {
        if (dropping) {
            return;
        }
        if (listener != null) {
            try {
                if (stderr) {
                    listener.stderr(data);
                } else {
                    listener.stdout(data);
                }
            } catch (RuntimeException e) {
                abandon(KbootException.internal("the output listener of `" + command + "` failed: " + e, e));
            }
            return;
        }
        synchronized (out) {
            if ((long) out.size() + err.size() + data.length > limit) {
                abandon(new OutputLimitException(command, limit));
                out.reset();
                err.reset();
                return;
            }
            (stderr ? err : out).writeBytes(data);
        }
    }

    /**
     * Gives up on this command: its result is {@code why}, it is killed in the guest, and its
     * remaining output is dropped until its exit frame arrives.
     */
    private void abandon(RuntimeException why) {
        dropping = true;
        result.completeExceptionally(why);
        try {
            kill(9);
        } catch (IOException e) {
            // the channel is gone: nothing runs any more
        }
        stdinEnded();
    }

    /** The agent's 'A' frame: {@code taken} more bytes were read by the command; its stdin may be closed. */
    void stdinAck(long taken, boolean closed) {
        synchronized (window) {
            stdinTaken += taken;
            stdinClosed |= closed;
            window.notifyAll();
        }
    }

    private void stdinEnded() {
        synchronized (window) {
            stdinClosed = true;
            window.notifyAll();
        }
    }

    void exited(ExecResult.Ending ending, int status, Duration duration) {
        byte[] o;
        byte[] e;
        synchronized (out) {
            o = out.toByteArray();
            e = err.toByteArray();
            out.reset();
            err.reset();
        }
        result.complete(new ExecResult(command, ending, status, o, e, duration));
        stdinEnded();
    }

    void failed(Throwable why) {
        result.completeExceptionally(why);
        stdinEnded();
    }

    /** @return the id the agent knows this command by */
    int id() {
        return id;
    }

    /** @return the command line */
    public String command() {
        return command;
    }

    /** @return the timeout the guest enforces, if any */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /**
     * Writes bytes to the command's stdin (started with stdin enabled). Blocks while the command
     * has {@link AgentChannel#STDIN_WINDOW} bytes unread, as a pipe would.
     *
     * @throws IOException when the command closed its stdin or ended, or the channel closed
     */
    public void write(byte[] data) throws IOException {
        for (int off = 0; off < data.length; ) {
            int n = Math.min(CHUNK, data.length - off);
            synchronized (window) {
                while (!stdinClosed && stdinSent - stdinTaken + n > AgentChannel.STDIN_WINDOW) {
                    try {
                        window.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted writing the stdin of `" + command + "`");
                    }
                }
                if (stdinClosed) {
                    throw new IOException(result.isDone() ? "`" + command + "` ended; its stdin is closed" : "`" + command + "` closed its stdin");
                }
                stdinSent += n;
            }
            byte[] chunk = new byte[n];
            System.arraycopy(data, off, chunk, 0, n);
            channel.send('I', id, chunk);
            off += n;
        }
    }

    /** Closes the command's stdin (end of file). */
    public void closeStdin() throws IOException {
        channel.send('I', id, new byte[0]);
    }

    /** Sends {@code signal} to the command's process group. */
    public void kill(int signal) throws IOException {
        channel.send('K', id, ByteBuffer.allocate(4).putInt(signal).array());
    }

    /** Tells a pty command its terminal size. */
    public void resize(int rows, int cols) throws IOException {
        channel.send('W', id, ByteBuffer.allocate(4).putShort((short) rows).putShort((short) cols).array());
    }

    /**
     * @return a future completing with the result; exceptionally with an {@link AgentException}
     *         when the channel failed, an {@link OutputLimitException}, or a {@link KbootException}
     *         of exit 125 when the listener failed or kboot itself did
     */
    public CompletableFuture<ExecResult> future() {
        return result;
    }

    /**
     * Waits for the command's end.
     *
     * @param limit how long at most
     * @return the result, or empty when {@code limit} passed first
     * @throws AgentException when the channel failed first (the guest went away, the agent restarted)
     * @throws KbootException when the output was over the limit or kboot's own side failed
     */
    public Optional<ExecResult> await(Duration limit) throws AgentException, InterruptedException {
        try {
            return Optional.of(result.get(limit.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof AgentException a) {
                throw a;
            }
            if (c instanceof KbootException k) {
                throw k;
            }
            throw KbootException.internal("kboot failed while `" + command + "` ran: " + c, c);
        }
    }
}
