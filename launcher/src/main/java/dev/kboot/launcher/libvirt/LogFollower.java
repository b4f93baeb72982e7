package dev.kboot.launcher.libvirt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/**
 * Follows a growing log file as a channel ({@code tail -F}): a read returns what was appended,
 * waits while nothing is, and survives the file being rotated (virtlogd renames a full log to
 * {@code .0} and starts a new one: the rest of the old file is read first) or truncated. After
 * {@link #finish()} a read drains what is there and then returns end-of-stream, so a reader of
 * this channel ends with the file's last byte.
 *
 * <p>The file is written by virtlogd (or QEMU) on the serial console's behalf; there is no event
 * to wait on across a rename, so an idle follower looks every {@value #IDLE_MS} ms.
 */
public final class LogFollower implements ReadableByteChannel {
    static final long IDLE_MS = 100;

    private final Path path;
    private FileChannel ch;
    private Object fileKey;
    private volatile boolean finishing;
    private volatile boolean closed;

    /**
     * @param path      the log file (it may not exist yet)
     * @param fromStart whether to read what the file already holds (a guest kboot started), or
     *                  only what is appended from now on (a guest kboot attached to)
     */
    public LogFollower(Path path, boolean fromStart) throws IOException {
        this.path = path;
        if (Files.exists(path)) {
            open();
            if (!fromStart) {
                ch.position(ch.size());
            }
        }
    }

    private void open() throws IOException {
        ch = FileChannel.open(path, StandardOpenOption.READ);
        fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    /** Makes reads return end-of-stream once everything written so far is read. */
    public void finish() {
        finishing = true;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        while (!closed) {
            if (ch == null && Files.exists(path)) {
                open();
            }
            if (ch != null) {
                int n = ch.read(dst);
                if (n > 0) {
                    return n;
                }
                if (ch.size() < ch.position()) {
                    ch.position(0); // truncated in place
                    continue;
                }
                if (replaced()) {
                    ch.close();
                    open();
                    continue;
                }
            }
            if (finishing) {
                return -1;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(IDLE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return -1;
    }

    /** @return whether the path now names another file (the old one was rotated away) */
    private boolean replaced() {
        try {
            Object now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            return now != null && !now.equals(fileKey);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (ch != null) {
            ch.close();
        }
    }
}
