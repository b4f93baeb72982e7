package dev.kboot.harness.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * results.journal ({@link ResultsDirectory#RESULTS_JOURNAL}): an append-only log of a run's results
 * as the {@link RunRecorder} records them, one JSON object per line (UTF-8, {@code \n}-terminated),
 * so that nothing a test finished is lost when the run is killed (SIGKILL, OOM killer) between two
 * rewrites of results.json, which are batched ({@link RunRecorder#DEFAULT_WINDOW}). A line is
 * {@code {"seq": N, "test": {...}}} (a result, the object results.json's {@code tests[]} holds: it
 * replaces the test with its id, or comes last) or {@code {"seq": N, "drop": "suite/test"}} (the
 * test is gone, e.g. a {@code #N} placeholder its real name replaced); {@code seq} counts from 1.
 * results.json's {@code journalSeq} is the last line its {@code tests} hold; a reader folds in the
 * lines after it ({@link #fold}), and only while {@code run.finished} is false: the recorder
 * deletes the journal when the run finishes (a leftover from a run killed after its final write is
 * ignored). Documented in docs/results-schema.md.
 *
 * <p>Cost: one line is one {@code write(2)} of a few hundred bytes, O(1) per result (the O(tests)
 * rewrite is what is batched). No fsync: once {@code write(2)} returns, the line is in the page
 * cache, which a killed process cannot lose; only a host crash can. An fsync per line would add
 * a disk round trip to every test (~0.7 ms per appended line on this project's virtio ext4 disk,
 * measured with dd oflag=dsync; more on spinning or network disks, against a per-test overhead
 * bench/test-overhead-bench.sh holds at a few ms) to save a window that the kernel's writeback
 * bounds ({@code vm.dirty_expire_centisecs}, 30 s by default). The run's final write is durable
 * ({@link ResultsDirectory#write}).
 *
 * <p>A line cut short by a kill mid-write can only be the last one and has no line end: readers
 * ignore it. Not thread-safe: the recorder calls it under its lock.
 */
final class ResultsJournal implements AutoCloseable {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final Path file;
    private final FileChannel channel;
    /** The last line's seq (0: none yet). */
    private long seq;
    /** Bytes written: where the next line starts (a failed append is cut back to it). */
    private long size;
    private boolean closed;

    /**
     * Starts an empty journal, replacing one an earlier run left in the directory.
     *
     * @param file the journal's path
     * @throws UncheckedIOException if it cannot be created
     */
    ResultsJournal(Path file) {
        this.file = file;
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    /** @return the last line's {@code seq}; 0 before the first */
    long seq() {
        return seq;
    }

    /**
     * Appends a result.
     *
     * @throws UncheckedIOException if it cannot be written (the journal is then as before)
     */
    void put(TestResult r) {
        ObjectNode line = NODES.objectNode();
        line.put("seq", seq + 1);
        line.set("test", ResultsJson.test(r));
        append(line);
    }

    /**
     * Appends that a test is gone.
     *
     * @throws UncheckedIOException if it cannot be written (the journal is then as before)
     */
    void drop(TestId id) {
        ObjectNode line = NODES.objectNode();
        line.put("seq", seq + 1);
        line.put("drop", id.toString());
        append(line);
    }

    private void append(ObjectNode line) {
        if (closed) {
            return; // the run finished: results.json holds everything
        }
        byte[] json = ResultsJson.line(line);
        ByteBuffer b = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            try {
                channel.truncate(size); // no torn line in the middle of the journal if a later append works
                channel.position(size);
            } catch (IOException ignored) {
                // the torn line is then the last one, ignored by readers, unless a later append works
            }
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
        size += json.length + 1;
        seq++;
    }

    /** Closes and deletes the journal: the run finished and results.json holds every result. Best effort. */
    void delete() {
        close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover journal is ignored: results.json says finished
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                channel.close();
            } catch (IOException e) {
                // nothing was buffered: every line went out with its write(2)
            }
        }
    }

    /**
     * Folds a journal's lines after {@code after} into {@code run}: a result replaces the test with
     * its id, in its place, or comes last; a drop removes the test. Lines up to {@code after} are
     * checked, not applied: {@code run} holds them.
     *
     * @param run     the run results.json holds
     * @param after   results.json's {@code journalSeq}
     * @param journal the journal; missing is no line
     * @return the run with the journal's later lines
     * @throws KbootException exit 65 naming the journal, the line ({@code results.journal:3}) and what
     *                        was expected, for a malformed line other than a torn last one; exit 66
     *                        if it cannot be read
     */
    static RunResult fold(RunResult run, long after, Path journal) {
        String text;
        try {
            text = Files.readString(journal, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return run;
        } catch (IOException e) {
            throw KbootException.missing("results journal (unreadable: " + e.getMessage() + ")", journal);
        }
        List<TestResult> tests = new ArrayList<>(run.tests());
        Map<TestId, Integer> at = new HashMap<>();
        for (int k = 0; k < tests.size(); k++) {
            at.putIfAbsent(tests.get(k).id(), k);
        }
        boolean dropped = false;
        long last = 0;
        int n = 0;
        for (int start = 0, end; (end = text.indexOf('\n', start)) >= 0; start = end + 1) {
            n++;
            Path where = journal.resolveSibling(journal.getFileName() + ":" + n);
            JsonNode line;
            try {
                line = JsonTrees.read(text.substring(start, end));
            } catch (JsonProcessingException e) {
                throw KbootException.badInput(where, null, "expected a JSON object {seq, test} or {seq, drop}, found a syntax error: "
                        + e.getOriginalMessage());
            }
            if (!line.isObject()) {
                throw KbootException.badInput(where, null, "expected a JSON object {seq, test} or {seq, drop}");
            }
            JsonNode s = line.get("seq");
            if (s == null || !s.isIntegralNumber() || !s.canConvertToLong() || s.asLong() <= last) {
                throw KbootException.badInput(where, "seq", "expected a whole number greater than " + last + " (the line before's), found " + s);
            }
            last = s.asLong();
            JsonNode test = line.get("test");
            JsonNode drop = line.get("drop");
            if ((test == null) == (drop == null)) {
                throw KbootException.badInput(where, null, "expected one of 'test' (a result) or 'drop' (a test id)");
            }
            if (test != null) {
                TestResult r = ResultsJson.test(test, "test", where);
                if (last > after) {
                    Integer i = at.get(r.id());
                    if (i != null) {
                        tests.set(i, r);
                    } else {
                        at.put(r.id(), tests.size());
                        tests.add(r);
                    }
                }
            } else {
                TestId id;
                try {
                    id = TestId.parse(drop.isTextual() ? drop.asText() : "");
                } catch (IllegalArgumentException e) {
                    throw KbootException.badInput(where, "drop", "expected a test id suite/level/test, " + e.getMessage());
                }
                Integer i = last > after ? at.remove(id) : null;
                if (i != null) {
                    tests.set(i, null);
                    dropped = true;
                }
            }
        }
        // What follows the last line end is a line torn by a kill mid-write: not recorded.
        if (dropped) {
            tests.removeIf(java.util.Objects::isNull);
        }
        return run.withTests(tests);
    }
}
