package dev.kboot.launcher.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A guest that floods its console cannot make kboot's memory grow without bound. */
class BoundsTest {
    @TempDir
    Path dir;

    /** {@code lines} lines of {@code width} bytes each, made as they are read. */
    static ReadableByteChannel flood(long lines, int width) {
        return new ReadableByteChannel() {
            long left = lines * (width + 1);
            long pos;
            boolean open = true;

            @Override
            public int read(ByteBuffer dst) {
                if (left == 0) {
                    return -1;
                }
                int n = 0;
                while (dst.hasRemaining() && left > 0) {
                    dst.put(pos % (width + 1) == width ? (byte) '\n' : (byte) ('a' + (pos % 26)));
                    pos++;
                    left--;
                    n++;
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        };
    }

    @Test
    void theConsoleTailIsBoundedInLinesAndCharacters() throws Exception {
        try (Console c = new Console(dir.resolve("console.log"), null, () -> 0)) {
            c.attach("ttyS0", flood(5000, 1000)); // more lines and characters than the tail keeps
            assertTrue(c.awaitEnd(120_000));
            List<ConsoleLine> tail = c.tail(Console.TAIL_LINES);
            long chars = tail.stream().mapToLong(l -> l.text().length()).sum();
            assertTrue(chars <= Console.TAIL_CHARS, chars + " characters kept");
            assertTrue(tail.size() >= 10, "still the last lines: " + tail.size());
            assertEquals(4999, tail.get(tail.size() - 1).index());
        }
    }

    static ConsoleLine line(long i, String text) {
        return new ConsoleLine(i, "ttyS0", i, text);
    }

    @Test
    void crashWatchKeepsABoundedIncidentListAndAlwaysThePanic() {
        CrashWatch w = new CrashWatch();
        long i = 0;
        for (int n = 0; n < 5000; n++) {
            w.accept(line(i++, "------------[ cut here ]------------"));
            w.accept(line(i++, "WARNING: CPU: 0 PID: 1 at kernel/foo.c:" + n + " foo+0x1/0x2"));
            for (int k = 0; k < 100; k++) {
                w.accept(line(i++, "x".repeat(2000)));
            }
            w.accept(line(i++, "---[ end trace 0000000000000000 ]---"));
        }
        long mark = w.seen();
        w.accept(line(i++, "Kernel panic - not syncing: sysrq triggered crash"));
        assertEquals(CrashWatch.MAX_INCIDENTS + 1, w.incidents().size());
        assertEquals(5001, w.seen());
        assertEquals(5001 - CrashWatch.MAX_INCIDENTS - 1, w.dropped());
        assertTrue(w.panic().isPresent(), "a panic is always kept");
        assertEquals(1, w.since(mark).size(), "since() counts by what was seen, not what was kept");
        for (CrashWatch.Incident inc : w.incidents()) {
            assertTrue(inc.text().length() <= CrashWatch.MAX_EXCERPT_CHARS + 2000, "excerpt bounded: " + inc.text().length());
        }
    }
}
