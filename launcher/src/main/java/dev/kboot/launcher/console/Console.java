package dev.kboot.launcher.console;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The guest's consoles, merged: the serial console ttyS0 and the virtio console hvc0.
 *
 * <p>Every line goes to the console log with a timestamp and its source
 * ({@code "       2.345 ttyS0 | text"}), and, unless the run is quiet, live to a sink (stdout).
 * The kernel prints each message on every console named by {@code console=}, so once hvc0 is up
 * every kernel line arrives twice; a line that arrives on one console while the same text is
 * pending from the other is shown and logged once.
 *
 * <p>The last {@value #TAIL_LINES} lines (at most {@value #TAIL_CHARS} characters) are kept in
 * memory for excerpts; listeners see every line as it completes (crash detection, waiting for
 * text, phase timings). A line is cut at 64 KiB.
 */
public final class Console implements Closeable {
    /** How many recent lines are kept in memory. */
    public static final int TAIL_LINES = 4000;
    /** How many characters of recent lines are kept in memory at most. */
    public static final int TAIL_CHARS = 1 << 20;
    private static final int DEDUP_WINDOW = 512;
    /** Longer lines are not de-duplicated (kept out of the window, so it stays small). */
    private static final int DEDUP_MAX_LINE = 4096;

    private final BufferedWriter log;
    private final Consumer<String> live;
    private final LongSupplier elapsedMs;
    private final Deque<ConsoleLine> tail = new ArrayDeque<>();
    private long tailChars;
    private final List<Consumer<ConsoleLine>> listeners = new CopyOnWriteArrayList<>();
    private final java.util.Map<String, Deque<String>> pendingBySource = new java.util.HashMap<>();
    private final List<Thread> readers = new ArrayList<>();
    private final List<CountDownLatch> eofs = new ArrayList<>();
    private long index;
    private boolean closed;

    /**
     * @param logFile   where the timestamped log goes (created or truncated)
     * @param live      receives each shown line with its line ending, or null for a quiet run
     * @param elapsedMs the run's clock in ms
     */
    public Console(Path logFile, Consumer<String> live, LongSupplier elapsedMs) throws IOException {
        this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        this.live = live;
        this.elapsedMs = elapsedMs;
    }

    /** @return a live sink writing to {@code out} and flushing each line */
    public static Consumer<String> sinkTo(OutputStream out) {
        return s -> {
            try {
                out.write(s.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                // a closed stdout must not stop the run
            }
        };
    }

    /** Registers a listener called (on a reader thread) for each line as it completes. */
    public void addListener(Consumer<ConsoleLine> l) {
        listeners.add(l);
    }

    /** Removes a listener. */
    public void removeListener(Consumer<ConsoleLine> l) {
        listeners.remove(l);
    }

    /**
     * Starts a reader thread that reads {@code channel} to its end as console {@code source}.
     *
     * @param source  the console name, e.g. "ttyS0"
     * @param channel the connected channel (closed at its end)
     */
    public void attach(String source, ReadableByteChannel channel) {
        CountDownLatch eof = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (channel) {
                pump(source, channel);
            } catch (IOException e) {
                // the peer went away: the end of this console
            } finally {
                eof.countDown();
            }
        }, "console-" + source);
        t.setDaemon(true);
        synchronized (this) {
            readers.add(t);
            eofs.add(eof);
        }
        t.start();
    }

    private void pump(String source, ReadableByteChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        while (ch.read(buf) >= 0) {
            buf.flip();
            while (buf.hasRemaining()) {
                byte b = buf.get();
                if (b == '\n') {
                    emit(source, dec.decode(ByteBuffer.wrap(line.toByteArray())).toString());
                    line.reset();
                } else if (b != '\r' && line.size() < 65536) {
                    line.write(b);
                }
            }
            buf.clear();
        }
        if (line.size() > 0) {
            emit(source, dec.decode(ByteBuffer.wrap(line.toByteArray())).toString());
        }
    }

    private void emit(String source, String text) {
        ConsoleLine cl;
        synchronized (this) {
            if (closed) {
                return;
            }
            // Drop the copy of a line the other console already delivered.
            for (var e : pendingBySource.entrySet()) {
                if (!e.getKey().equals(source) && e.getValue().remove(text)) {
                    return;
                }
            }
            Deque<String> mine = pendingBySource.computeIfAbsent(source, k -> new ArrayDeque<>());
            if (text.length() <= DEDUP_MAX_LINE) {
                mine.addLast(text);
                if (mine.size() > DEDUP_WINDOW) {
                    mine.removeFirst();
                }
            }
            long ms = elapsedMs.getAsLong();
            cl = new ConsoleLine(index++, source, ms, text);
            tail.addLast(cl);
            tailChars += text.length();
            while (tail.size() > 1 && (tail.size() > TAIL_LINES || tailChars > TAIL_CHARS)) {
                tailChars -= tail.removeFirst().text().length();
            }
            try {
                log.write(String.format("%8d.%03d %-5s | %s%n", ms / 1000, ms % 1000, source, text));
                log.flush();
            } catch (IOException e) {
                // the log is best effort; the tail is kept in memory
            }
            if (live != null) {
                live.accept(text + "\n");
            }
        }
        for (Consumer<ConsoleLine> l : listeners) {
            l.accept(cl);
        }
    }

    /** @return the last {@code n} lines (at most {@link #TAIL_LINES}) */
    public synchronized List<ConsoleLine> tail(int n) {
        List<ConsoleLine> all = new ArrayList<>(tail);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    /**
     * Waits until every attached console reached its end (QEMU closed it), at most {@code ms}.
     *
     * @return whether all ended
     */
    public boolean awaitEnd(long ms) throws InterruptedException {
        List<CountDownLatch> l;
        synchronized (this) {
            l = List.copyOf(eofs);
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        for (CountDownLatch c : l) {
            if (!c.await(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits for a line matching {@code regex} (searched anywhere in the line), counting lines
     * already seen that are still in the tail.
     *
     * @param regex   the pattern
     * @param timeout how long at most, in ms
     * @return the first matching line, or empty on timeout
     */
    public Optional<ConsoleLine> waitFor(Pattern regex, long timeout) throws InterruptedException {
        java.util.concurrent.CompletableFuture<ConsoleLine> hit = new java.util.concurrent.CompletableFuture<>();
        Consumer<ConsoleLine> l = cl -> {
            if (regex.matcher(cl.text()).find()) {
                hit.complete(cl);
            }
        };
        addListener(l);
        try {
            for (ConsoleLine cl : tail(TAIL_LINES)) {
                if (regex.matcher(cl.text()).find()) {
                    return Optional.of(cl);
                }
            }
            return Optional.of(hit.get(timeout, TimeUnit.MILLISECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } finally {
            removeListener(l);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        log.close();
    }
}
