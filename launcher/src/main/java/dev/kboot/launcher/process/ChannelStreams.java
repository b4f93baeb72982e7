package dev.kboot.launcher.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Streams over a blocking {@link SocketChannel} that can be read and written concurrently.
 *
 * <p>{@link java.nio.channels.Channels#newInputStream} and {@code newOutputStream} both take the
 * channel's blocking lock, so a thread blocked reading starves a thread that wants to write (a
 * deadlock for a protocol with a reader thread, such as QMP or the guest agent). These call
 * {@code read}/{@code write} directly: SocketChannel has separate read and write locks.
 */
public final class ChannelStreams {
    private ChannelStreams() {
    }

    /** @return an InputStream reading {@code ch} (blocking) */
    public static InputStream in(SocketChannel ch) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                int n = read(b, 0, 1);
                return n < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                return ch.read(ByteBuffer.wrap(b, off, len));
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    /** @return an OutputStream writing {@code ch} fully (blocking) */
    public static OutputStream out(SocketChannel ch) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }
}
