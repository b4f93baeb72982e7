package dev.kboot.harness.run;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory a run's guest writes to through kboot's writable share ({@code artifacts/} in the
 * results directory): what is in it was made by the guest, so nothing in it is followed. A
 * symlink the guest made there ({@code ln -s /etc/shadow}) would otherwise put a host file into
 * the results a CI uploads, or into a test's excerpt when a parser reads it.
 */
final class SharedFiles {
    private SharedFiles() {
    }

    /**
     * Removes every symlink (and anything else that is neither a regular file nor a directory: a
     * fifo, a socket, a device node) under {@code dir}, without following any.
     *
     * @return the paths removed, relative to {@code dir}
     */
    static List<String> removeLinks(Path dir) throws IOException {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return removed;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isRegularFile() && !attrs.isDirectory()) {
                    Files.deleteIfExists(file);
                    removed.add(dir.relativize(file).toString());
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // vanished while walking
            }
        });
        return removed;
    }

    /** Removes {@code dir} and everything in it, following no link. */
    static void clear(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(dir);
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
