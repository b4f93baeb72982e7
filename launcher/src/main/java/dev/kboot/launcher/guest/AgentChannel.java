package dev.kboot.launcher.guest;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.process.ChannelStreams;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host end of the kboot agent protocol, version {@value #PROTOCOL} (agent/kboot-agent.c
 * documents the frames): a reader thread decodes the guest's frames and hands each command's
 * output to its {@link Execution}; a writer thread sends the host's frames in order, so no
 * caller ever blocks on the port (an agent that stopped reading cannot hang a {@code kill} or a
 * ping). Commands are multiplexed by id, so several may run at once.
 *
 * <p>Faults are told apart: the port closing, a second hello (the agent restarted) and a frame
 * the protocol does not allow fail the running commands with an {@link AgentException} of that
 * kind; a failure on kboot's own side (a listener's exception, an OutOfMemoryError) fails them
 * with a {@link KbootException} of exit 125, never as if the guest had gone away.
 */
public final class AgentChannel implements Closeable {
    /** The protocol version this host speaks; the agent's hello must name the same. */
    public static final int PROTOCOL = 2;
    /** The largest frame payload either side sends, in bytes. */
    public static final int MAX_FRAME = 1 << 20;
    /** The most stdin bytes of one command in flight before the agent acknowledges them. */
    public static final int STDIN_WINDOW = 1 << 20;
    private static final Pattern HELLO = Pattern.compile("kboot-agent (\\d+) (\\S+)");

    private final SocketChannel channel;
    private final Map<Integer, Execution> running = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final CompletableFuture<String> hello = new CompletableFuture<>();
    private final CompletableFuture<Throwable> closed = new CompletableFuture<>();
    private final Consumer<String> agentLog;
    private final BlockingQueue<ByteBuffer> outbox = new LinkedBlockingQueue<>();
    /** Frames queued and not yet written in full (the writer's current one included). */
    private final java.util.concurrent.atomic.AtomicLong unwritten = new java.util.concurrent.atomic.AtomicLong();
    private final Thread reader;
    private final Thread writer;
    private volatile long lastHeard = System.nanoTime();
    private volatile long pingSent;
    private volatile long inListenerSince;

    /**
     * Starts reading and writing the agent's frames on {@code channel}.
     *
     * @param channel  the connection QEMU made for the agent's virtio-serial port
     * @param agentLog receives the agent's own 'L' messages and protocol notices (or null)
     */
    public AgentChannel(SocketChannel channel, Consumer<String> agentLog) {
        this.channel = channel;
        this.agentLog = agentLog;
        reader = new Thread(this::readLoop, "agent-reader");
        reader.setDaemon(true);
        writer = new Thread(this::writeLoop, "agent-writer");
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    /**
     * @return completes with the agent's hello line ("kboot-agent 2 6.1.0-56-amd64"); exceptionally
     *         with an {@link AgentException} of kind PROTOCOL when it speaks another version, CLOSED
     *         when the port closed first
     */
    public CompletableFuture<String> hello() {
        return hello;
    }

    private void readLoop() {
        Throwable why = new AgentException(AgentException.Kind.CLOSED, "the agent's port closed");
        // Not closed on the way out: fail() closes the channel once the cause is recorded (else
        // the writer would see the close first and report it as the cause).
        DataInputStream in = new DataInputStream(new BufferedInputStream(ChannelStreams.in(channel), 1 << 17));
        try {
            while (true) {
                int type = in.readUnsignedByte();
                int id = in.readInt();
                int len = in.readInt();
                if (len < 0 || len > MAX_FRAME) {
                    why = new AgentException(AgentException.Kind.PROTOCOL, "the kboot agent sent a frame of " + Integer.toUnsignedString(len)
                            + " bytes (type " + printable(type) + "; at most " + MAX_FRAME + " are allowed): the stream cannot be read further");
                    break;
                }
                byte[] payload = new byte[len];
                in.readFully(payload);
                lastHeard = System.nanoTime();
                dispatch((char) type, id, payload);
            }
        } catch (EOFException e) {
            // closed
        } catch (IOException e) {
            if (!closed.isDone()) {
                why = new AgentException(AgentException.Kind.CLOSED, "the agent's port failed: " + e.getMessage());
            }
        } catch (Throwable t) {
            // kboot's own failure (an Error, a bug): the channel's state is unknown, so it ends,
            // but it is reported as what it is, not as the guest going away.
            why = KbootException.internal("kboot failed reading the agent's port: " + t, t);
        } finally {
            fail(why);
        }
    }

    private void dispatch(char type, int id, byte[] p) {
        switch (type) {
            case 'H' -> helloFrame(new String(p, StandardCharsets.UTF_8));
            case '1', '2' -> {
                Execution e = running.get(id);
                if (e != null) {
                    inListenerSince = System.nanoTime();
                    try {
                        e.output(type == '2', p);
                    } finally {
                        inListenerSince = 0;
                    }
                }
            }
            case 'A' -> {
                Execution e = running.get(id);
                if (e != null && p.length >= 5) {
                    e.stdinAck(ByteBuffer.wrap(p).getInt() & 0xffffffffL, p[4] != 0);
                }
            }
            case 'X' -> {
                Execution e = running.remove(id);
                if (e == null) {
                    return;
                }
                if (p.length < 13) {
                    e.failed(new AgentException(AgentException.Kind.PROTOCOL, "the kboot agent ended `" + e.command() + "` with an exit frame of "
                            + p.length + " bytes (13 expected): its status is unknown"));
                    notice("agent sent a short exit frame (" + p.length + " bytes) for command " + id);
                    return;
                }
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
            case 'P' -> pingSent = 0;
            case 'L' -> notice("agent" + (id != 0 ? " (command " + id + ")" : "") + ": " + new String(p, StandardCharsets.UTF_8));
            default -> notice("agent sent an unknown frame type " + printable(type));
        }
    }

    private void helloFrame(String line) {
        Matcher m = HELLO.matcher(line);
        if (!m.lookingAt()) {
            AgentException e = new AgentException(AgentException.Kind.PROTOCOL, "the guest's kboot agent said '" + line
                    + "' instead of 'kboot-agent " + PROTOCOL + " RELEASE'");
            if (!hello.completeExceptionally(e)) {
                failRunning(e);
            }
            return;
        }
        if (hello.isDone()) {
            // A second hello: the agent was restarted (systemd's Restart=always after it died).
            // What it ran before is gone with it.
            failRunning(new AgentException(AgentException.Kind.RESTARTED,
                    "the kboot agent restarted in the guest (it said hello again): the command's end is unknown"));
            notice("the kboot agent restarted in the guest");
            return;
        }
        int version = Integer.parseInt(m.group(1).length() > 6 ? "-1" : m.group(1));
        if (version != PROTOCOL) {
            hello.completeExceptionally(new AgentException(AgentException.Kind.PROTOCOL, "the guest's kboot agent speaks protocol " + m.group(1)
                    + " and this kboot speaks " + PROTOCOL + ": build the closure with this kboot's agent (agent/kboot-agent.c, nix/pkgs/kboot-agent.nix)"));
            return;
        }
        hello.complete(line);
    }

    private void failRunning(Throwable why) {
        for (Integer id : List.copyOf(running.keySet())) {
            Execution e = running.remove(id);
            if (e != null) {
                e.failed(why);
            }
        }
    }

    private void fail(Throwable why) {
        closed.complete(why);
        hello.completeExceptionally(why);
        failRunning(why);
        synchronized (unwritten) {
            unwritten.notifyAll();
        }
        writer.interrupt();
        try {
            channel.close();
        } catch (IOException e) {
            // closed already
        }
    }

    private void notice(String line) {
        if (agentLog != null) {
            agentLog.accept(line);
        }
    }

    private static String printable(int type) {
        return type >= 0x21 && type < 0x7f ? "'" + (char) type + "'" : "0x" + Integer.toHexString(type);
    }

    private void writeLoop() {
        try {
            while (true) {
                ByteBuffer frame = outbox.take();
                while (frame.hasRemaining()) {
                    channel.write(frame);
                }
                synchronized (unwritten) {
                    unwritten.decrementAndGet();
                    unwritten.notifyAll();
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (IOException e) {
            fail(new AgentException(AgentException.Kind.CLOSED, "the agent's port failed: " + e.getMessage()));
        } catch (Throwable t) {
            fail(KbootException.internal("kboot failed writing the agent's port: " + t, t));
        }
    }

    /**
     * Starts a command in the guest.
     *
     * @param command     a command line for the guest's /bin/sh -c, at most {@link #MAX_FRAME} - 9 bytes of UTF-8
     * @param timeout     the guest kills its process group after this long; null for none
     * @param stdin       whether stdin is fed with {@link Execution#write}; else it is /dev/null
     * @param pty         whether it runs on a pseudo-terminal (stdout and stderr merged)
     * @param rows        terminal rows (pty)
     * @param cols        terminal columns (pty)
     * @param listener    receives output as it arrives, or null to collect it in the result
     * @param outputLimit with no listener, the most bytes (stdout and stderr together) collected
     * @return the running command
     * @throws IOException when the channel is closed
     * @throws IllegalArgumentException when the command line is longer than a frame carries
     */
    public Execution start(String command, Duration timeout, boolean stdin, boolean pty, int rows, int cols, OutputListener listener,
                           long outputLimit) throws IOException {
        byte[] cmd = command.getBytes(StandardCharsets.UTF_8);
        if (cmd.length > MAX_FRAME - 9) {
            throw new IllegalArgumentException("the command line is " + cmd.length + " bytes; the agent takes at most " + (MAX_FRAME - 9)
                    + " (copy a long script into the guest with Guest.copyTo, or feed it to `sh -s` on stdin)");
        }
        Execution e = register(command, timeout, listener, outputLimit);
        int id = e.id();
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

    /** Makes a new command known to the reader (before its 'E' frame is sent). */
    Execution register(String command, Duration timeout, OutputListener listener, long outputLimit) {
        int id = ids.incrementAndGet();
        Execution e = new Execution(this, id, command, timeout, listener, outputLimit);
        running.put(id, e);
        return e;
    }

    /**
     * Asks the agent to sync and power the guest off, and waits (at most {@code 5 s}) until the
     * request and every frame before it are written to the port, so that a caller may close the
     * channel right after (the writer thread would otherwise drop what it had not sent).
     *
     * @throws IOException when the channel is closed or its port failed
     */
    public void powerOff() throws IOException {
        send('Q', 0, new byte[0]);
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        synchronized (unwritten) {
            while (unwritten.get() > 0 && closed.getNow(null) == null) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return; // the agent does not read its port: the caller's own bounds take over
                }
                try {
                    unwritten.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Sends a ping unless one is unanswered; the pong (or any frame) counts as the agent being alive.
     */
    public void ping() throws IOException {
        if (pingSent == 0) {
            pingSent = System.nanoTime();
            send('P', 0, ByteBuffer.allocate(8).putLong(pingSent).array());
        }
    }

    /** @return how long since the last frame from the agent */
    public Duration silentFor() {
        return Duration.ofNanos(System.nanoTime() - lastHeard);
    }

    /**
     * @return how long the agent has left a ping unanswered with nothing else heard from it, or
     *         zero (no ping out, something heard since, or kboot's reader is itself held up in an
     *         output listener: then the fault would be on this side)
     */
    public Duration unansweredFor() {
        long sent = pingSent;
        long heard = lastHeard;
        if (sent == 0 || heard - sent > 0 || inListenerSince != 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(System.nanoTime() - sent);
    }

    /** Forgets an unanswered ping (after kboot itself was held up: a new one is sent). */
    public void resetPing() {
        pingSent = 0;
    }

    /** @return whether the channel has ended (the port closed, a protocol error, or {@link #close}) */
    public boolean isClosed() {
        return closed.isDone();
    }

    /**
     * Queues one frame for the writer thread; never blocks on the port.
     *
     * @throws IOException when the channel has ended
     * @throws IllegalArgumentException for a payload over {@link #MAX_FRAME}
     */
    void send(char type, int id, byte[] payload) throws IOException {
        if (payload.length > MAX_FRAME) {
            throw new IllegalArgumentException("a frame of " + payload.length + " bytes (at most " + MAX_FRAME + ")");
        }
        sendUnchecked(type, id, payload);
    }

    /** Sends a frame with no size check (tests of the agent's handling of oversized frames). */
    void sendUnchecked(char type, int id, byte[] payload) throws IOException {
        Throwable why = closed.getNow(null);
        if (why != null) {
            throw why instanceof IOException io ? io : new AgentException(AgentException.Kind.CLOSED, why.getMessage());
        }
        ByteBuffer f = ByteBuffer.allocate(9 + payload.length).put((byte) type).putInt(id).putInt(payload.length).put(payload);
        unwritten.incrementAndGet();
        outbox.add(f.flip());
    }

    /** Closes the connection; running commands fail with an {@link AgentException} of kind CLOSED. Idempotent. */
    @Override
    public void close() throws IOException {
        fail(new AgentException(AgentException.Kind.CLOSED, "the agent channel was closed"));
    }
}
