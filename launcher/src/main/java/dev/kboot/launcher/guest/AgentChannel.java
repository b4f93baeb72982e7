package dev.kboot.launcher.guest;

import dev.kboot.launcher.process.ChannelStreams;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The host end of the kboot agent protocol (agent/kboot-agent.c documents the frames): one
 * reader thread decodes guest frames and hands each command's output to its {@link Execution};
 * writes are serialised. Commands are multiplexed by id, so several may run at once.
 */
public final class AgentChannel implements Closeable {
    /** The protocol version this host speaks. */
    public static final int PROTOCOL = 1;
    private static final int MAX_FRAME = 1 << 20;

    private final SocketChannel channel;
    private final OutputStream out;
    private final Map<Integer, Execution> running = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final CompletableFuture<String> hello = new CompletableFuture<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final Consumer<String> agentLog;

    /**
     * Starts reading the agent's frames on {@code channel}.
     *
     * @param channel  the connection QEMU made for the agent's virtio-serial port
     * @param agentLog receives the agent's own 'L' messages (or null)
     */
    public AgentChannel(SocketChannel channel, Consumer<String> agentLog) {
        this.channel = channel;
        this.out = ChannelStreams.out(channel);
        this.agentLog = agentLog;
        Thread t = new Thread(this::readLoop, "agent-reader");
        t.setDaemon(true);
        t.start();
    }

    /** @return completes with the agent's hello line ("kboot-agent 1 6.1.0-56-amd64") */
    public CompletableFuture<String> hello() {
        return hello;
    }

    private void readLoop() {
        String why = "the agent's port closed";
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(ChannelStreams.in(channel), 1 << 17))) {
            while (true) {
                int type = in.readUnsignedByte();
                int id = in.readInt();
                int len = in.readInt();
                if (len < 0 || len > MAX_FRAME) {
                    why = "protocol error: a frame of " + Integer.toUnsignedString(len) + " bytes";
                    break;
                }
                byte[] payload = new byte[len];
                in.readFully(payload);
                dispatch((char) type, id, payload);
            }
        } catch (EOFException e) {
            // closed
        } catch (IOException e) {
            why = "the agent's port failed: " + e.getMessage();
        } finally {
            closed.complete(why);
            hello.completeExceptionally(new IOException(why));
            for (Execution e : running.values()) {
                e.channelClosed(why);
            }
        }
    }

    private void dispatch(char type, int id, byte[] p) {
        switch (type) {
            case 'H' -> hello.complete(new String(p, StandardCharsets.UTF_8));
            case '1' -> withExecution(id, e -> e.stdout(p));
            case '2' -> withExecution(id, e -> e.stderr(p));
            case 'X' -> {
                Execution e = running.remove(id);
                if (e != null && p.length >= 13) {
                    ByteBuffer b = ByteBuffer.wrap(p);
                    int how = b.get() & 0xff;
                    int status = b.getInt();
                    long micros = b.getLong();
                    ExecResult.Ending ending = switch (how) {
                        case 0 -> ExecResult.Ending.EXITED;
                        case 1 -> ExecResult.Ending.SIGNALED;
                        case 2 -> ExecResult.Ending.TIMED_OUT;
                        default -> ExecResult.Ending.NOT_STARTED;
                    };
                    e.exited(ending, status, Duration.ofNanos(micros * 1000));
                }
            }
            case 'L' -> {
                if (agentLog != null) {
                    agentLog.accept("agent" + (id != 0 ? " (command " + id + ")" : "") + ": " + new String(p, StandardCharsets.UTF_8));
                }
            }
            default -> {
                if (agentLog != null) {
                    agentLog.accept("agent sent an unknown frame type " + (int) type);
                }
            }
        }
    }

    private void withExecution(int id, Consumer<Execution> f) {
        Execution e = running.get(id);
        if (e != null) {
            f.accept(e);
        }
    }

    /**
     * Starts a command in the guest.
     *
     * @param command   a command line for the guest's /bin/sh -c
     * @param timeout   the guest kills its process group after this long; null for none
     * @param stdin     whether stdin is fed with {@link Execution#write}; else it is /dev/null
     * @param pty       whether it runs on a pseudo-terminal (stdout and stderr merged)
     * @param rows      terminal rows (pty)
     * @param cols      terminal columns (pty)
     * @param listener  receives output as it arrives, or null to collect it in the result
     * @return the running command
     * @throws IOException when the channel is closed
     */
    public Execution start(String command, Duration timeout, boolean stdin, boolean pty, int rows, int cols, OutputListener listener)
            throws IOException {
        int id = ids.incrementAndGet();
        Execution e = new Execution(this, id, command, timeout, listener);
        running.put(id, e);
        byte[] cmd = command.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(9 + cmd.length);
        long ms = timeout == null ? 0 : Math.max(1, Math.min(timeout.toMillis(), 0xffffffffL));
        b.putInt((int) ms).put((byte) ((stdin ? 1 : 0) | (pty ? 2 : 0))).putShort((short) rows).putShort((short) cols).put(cmd);
        try {
            send('E', id, b.array());
        } catch (IOException ex) {
            running.remove(id);
            throw ex;
        }
        return e;
    }

    /** Asks the agent to sync and power the guest off. */
    public void powerOff() throws IOException {
        send('Q', 0, new byte[0]);
    }

    /** Sends one frame. */
    synchronized void send(char type, int id, byte[] payload) throws IOException {
        if (closed.isDone()) {
            throw new IOException(closed.getNow("closed"));
        }
        ByteBuffer h = ByteBuffer.allocate(9).put((byte) type).putInt(id).putInt(payload.length);
        out.write(h.array());
        out.write(payload);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
