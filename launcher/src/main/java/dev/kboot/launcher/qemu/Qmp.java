package dev.kboot.launcher.qemu;

import com.fasterxml.jackson.jr.ob.JSON;
import com.fasterxml.jackson.jr.ob.ValueIterator;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import dev.kboot.launcher.process.ChannelStreams;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A minimal QMP client (QEMU Machine Protocol, docs/interop/qmp-spec.rst) on a connection QEMU
 * made to a socket kboot bound: reads the greeting, negotiates capabilities, then reads events on
 * a thread. kboot uses it to learn exactly why a guest stopped (the {@code SHUTDOWN} event's
 * {@code reason}: {@code guest-shutdown} for a power-off, {@code guest-reset} for a reboot or a
 * panic under {@code panic=-1 -no-reboot}, {@code guest-panic} with pvpanic) and to quit QEMU.
 */
public final class Qmp implements Closeable {

    /**
     * A {@code SHUTDOWN} event.
     *
     * @param guest  whether the guest asked for it
     * @param reason QEMU's reason, e.g. {@code guest-shutdown}, {@code guest-reset}
     */
    public record Shutdown(boolean guest, String reason) {
        /** @return whether the guest powered itself off */
        public boolean poweredOff() {
            return guest && "guest-shutdown".equals(reason);
        }
    }

    private final SocketChannel channel;
    private final OutputStream out;
    private final CompletableFuture<Shutdown> shutdown = new CompletableFuture<>();
    private final CompletableFuture<Object> negotiated = new CompletableFuture<>();
    private final Thread reader;

    /**
     * Starts reading QMP on {@code channel} and negotiates capabilities.
     *
     * @param channel the connection QEMU made
     */
    public Qmp(SocketChannel channel) {
        this.channel = channel;
        this.out = ChannelStreams.out(channel);
        InputStream in = ChannelStreams.in(channel);
        this.reader = new Thread(() -> read(in), "qmp");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(InputStream in) {
        try (ValueIterator<Object> it = JSON.std.anySequenceFrom(in)) {
            while (it.hasNextValue()) {
                if (!(it.nextValue() instanceof java.util.Map<?, ?> msg)) {
                    continue;
                }
                if (msg.containsKey("QMP")) {
                    send("{\"execute\":\"qmp_capabilities\"}");
                } else if (msg.containsKey("return") && !negotiated.isDone()) {
                    negotiated.complete(msg);
                } else if ("SHUTDOWN".equals(msg.get("event"))) {
                    java.util.Map<?, ?> d = msg.get("data") instanceof java.util.Map<?, ?> m ? m : java.util.Map.of();
                    Object reason = d.get("reason");
                    shutdown.complete(new Shutdown(Boolean.TRUE.equals(d.get("guest")), reason == null ? "unknown" : reason.toString()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // QEMU went away; callers learn that from the process
        } finally {
            negotiated.complete(null);
        }
    }

    private synchronized void send(String json) {
        try {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // QEMU is gone
        }
    }

    /**
     * @param ms how long to wait
     * @return the SHUTDOWN event, when one came within {@code ms}
     */
    public Optional<Shutdown> awaitShutdown(long ms) throws InterruptedException {
        try {
            return Optional.of(shutdown.get(ms, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.empty();
        }
    }

    /** @return the SHUTDOWN event if one has arrived */
    public Optional<Shutdown> shutdown() {
        return Optional.ofNullable(shutdown.getNow(null));
    }

    /** @return a future completing with the SHUTDOWN event */
    public CompletableFuture<Shutdown> shutdownFuture() {
        return shutdown;
    }

    /** Asks QEMU to quit at once (the guest is not told). */
    public void quit() {
        send("{\"execute\":\"quit\"}");
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
