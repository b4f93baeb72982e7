package dev.kboot.harness.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so a reader (or a killed writer) never sees half of one: temp file, rename; with
 * {@code durable} the temp file is forced to disk first, so that even a host crash leaves the old
 * or the new content (the rename alone already covers a killed process).
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /**
     * Replaces {@code target} with {@code bytes} atomically: writes a temp file in the same directory,
     * forces it to disk, and renames it over the target.
     *
     * @param target the file to write; its directory must exist
     * @param bytes  the whole new content
     * @throws UncheckedIOException if writing or renaming fails (the target is then unchanged)
     */
    public static void write(Path target, byte[] bytes) {
        write(target, bytes, true);
    }

    /**
     * Replaces {@code target} with {@code bytes} atomically, forcing them to disk first only when
     * {@code durable}: a killed writer leaves the old or the new file either way, and an fsync costs
     * milliseconds (a results file rewritten after every test pays it per test).
     *
     * @param target  the file to write; its directory must exist
     * @param bytes   the whole new content
     * @param durable whether to fsync the new content before the rename
     * @throws UncheckedIOException if writing or renaming fails (the target is then unchanged)
     */
    public static void write(Path target, byte[] bytes, boolean durable) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (durable) {
                    ch.force(true);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // best effort
                }
            }
        }
    }
}
