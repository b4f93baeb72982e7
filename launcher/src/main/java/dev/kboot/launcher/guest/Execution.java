package dev.kboot.launcher.guest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A command running in the guest: feed its stdin, signal it, wait for its {@link ExecResult}.
 * Output goes to the listener given at start, or is collected for the result.
 */
public final class Execution {
    private final AgentChannel channel;
    private final int id;
    private final String command;
    private final Duration timeout;
    private final OutputListener listener;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CompletableFuture<ExecResult> result = new CompletableFuture<>();

    Execution(AgentChannel channel, int id, String command, Duration timeout, OutputListener listener) {
        this.channel = channel;
        this.id = id;
        this.command = command;
        this.timeout = timeout;
        this.listener = listener;
    }

    void stdout(byte[] data) {
        if (listener != null) {
            listener.stdout(data);
        } else {
            synchronized (out) {
                out.writeBytes(data);
            }
        }
    }

    void stderr(byte[] data) {
        if (listener != null) {
            listener.stderr(data);
        } else {
            synchronized (err) {
                err.writeBytes(data);
            }
        }
    }

    void exited(ExecResult.Ending ending, int status, Duration duration) {
        byte[] o;
        byte[] e;
        synchronized (out) {
            o = out.toByteArray();
        }
        synchronized (err) {
            e = err.toByteArray();
        }
        result.complete(new ExecResult(command, ending, status, o, e, duration));
    }

    void channelClosed(String why) {
        result.completeExceptionally(new IOException(why));
    }

    /** @return the command line */
    public String command() {
        return command;
    }

    /** @return the timeout the guest enforces, if any */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** Writes bytes to the command's stdin (started with stdin enabled). */
    public void write(byte[] data) throws IOException {
        for (int off = 0; off < data.length; off += 1 << 20) {
            int n = Math.min(1 << 20, data.length - off);
            byte[] chunk = new byte[n];
            System.arraycopy(data, off, chunk, 0, n);
            channel.send('I', id, chunk);
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

    /** @return a future completing with the result (exceptionally with IOException when the channel closed) */
    public CompletableFuture<ExecResult> future() {
        return result;
    }

    /**
     * Waits for the command's end.
     *
     * @param limit how long at most
     * @return the result, or empty when {@code limit} passed first
     * @throws IOException when the channel closed first (the guest went away)
     */
    public Optional<ExecResult> await(Duration limit) throws IOException, InterruptedException {
        try {
            return Optional.of(result.get(limit.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }
}
