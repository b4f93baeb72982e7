package dev.kboot.launcher.kernel;

import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Reads the kernel release and format from a kernel image without booting it.
 *
 * <p>bzImage: the x86 boot protocol setup header (Documentation/arch/x86/boot.rst): magic
 * {@code HdrS} at 0x202, {@code kernel_version} pointer at 0x20e (offset + 0x200 into the
 * file), {@code setup_sects} at 0x1f1, {@code payload_offset}/{@code payload_length} at
 * 0x248/0x24c. ELF: the {@code Linux version } banner in the image.
 */
public final class KernelInspector {
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};
    private static final byte[] BANNER = "Linux version ".getBytes(StandardCharsets.US_ASCII);

    private KernelInspector() {
    }

    /**
     * @param path a bzImage or an ELF vmlinux
     * @return the image's format, release and payload
     * @throws KbootException exit 66 when missing or unreadable, 65 when it is neither format
     */
    public static KernelImage inspect(Path path) {
        if (!Files.isRegularFile(path)) {
            throw KbootException.missing("kernel image", path);
        }
        byte[] head = new byte[0x400];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw KbootException.missing("kernel image (unreadable: " + e.getMessage() + ")", path);
        }
        if (n >= 4 && head[0] == ELF_MAGIC[0] && head[1] == ELF_MAGIC[1] && head[2] == ELF_MAGIC[2] && head[3] == ELF_MAGIC[3]) {
            String version = findBanner(path);
            return new KernelImage(path, KernelImage.Format.ELF, releaseOf(version), version, Optional.empty());
        }
        ByteBuffer h = ByteBuffer.wrap(head, 0, n).order(ByteOrder.LITTLE_ENDIAN);
        if (n < 0x250 || h.getInt(0x202) != 0x53726448) {
            throw KbootException.badInput(path, null, "not a kernel image (expected an x86 bzImage with a 'HdrS' setup header, or an ELF vmlinux)");
        }
        int protocol = Short.toUnsignedInt(h.getShort(0x206));
        int versionPtr = Short.toUnsignedInt(h.getShort(0x20e));
        int setupSects = Byte.toUnsignedInt(head[0x1f1]);
        if (setupSects == 0) {
            setupSects = 4;
        }
        String version = readCString(path, versionPtr + 0x200L, 256);
        Optional<KernelImage.Payload> payload = Optional.empty();
        if (protocol >= 0x208) {
            long offset = (setupSects + 1L) * 512 + Integer.toUnsignedLong(h.getInt(0x248));
            long length = Integer.toUnsignedLong(h.getInt(0x24c));
            payload = Optional.of(new KernelImage.Payload(offset, length, compressionAt(path, offset)));
        }
        return new KernelImage(path, KernelImage.Format.BZIMAGE, releaseOf(version), version, payload);
    }

    /** @return the first word of a version string: the release */
    static String releaseOf(String version) {
        String v = version.trim();
        int sp = v.indexOf(' ');
        return sp < 0 ? v : v.substring(0, sp);
    }

    private static String readCString(Path path, long offset, int max) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(max);
            ch.read(b, offset);
            b.flip();
            StringBuilder s = new StringBuilder();
            while (b.hasRemaining()) {
                byte c = b.get();
                if (c == 0) {
                    break;
                }
                s.append((char) (c & 0xff));
            }
            if (s.length() == 0) {
                throw KbootException.badInput(path, "kernel_version", "the setup header's version string is empty");
            }
            return s.toString();
        } catch (IOException e) {
            throw KbootException.missing("kernel image (unreadable: " + e.getMessage() + ")", path);
        }
    }

    private static KernelImage.Compression compressionAt(Path path, long offset) {
        byte[] m = new byte[6];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(m), offset);
        } catch (IOException e) {
            return KernelImage.Compression.UNKNOWN;
        }
        return compressionOf(m);
    }

    /** Identifies a kernel payload compression by its magic bytes (as scripts/extract-vmlinux does). */
    static KernelImage.Compression compressionOf(byte[] m) {
        int b0 = m[0] & 0xff, b1 = m[1] & 0xff, b2 = m[2] & 0xff, b3 = m[3] & 0xff;
        if (b0 == 0x1f && (b1 == 0x8b || b1 == 0x9e)) return KernelImage.Compression.GZIP;
        if (b0 == 0xfd && b1 == '7' && b2 == 'z' && b3 == 'X') return KernelImage.Compression.XZ;
        if (b0 == 0x28 && b1 == 0xb5 && b2 == 0x2f && b3 == 0xfd) return KernelImage.Compression.ZSTD;
        if (b0 == 0x5d && b1 == 0x00 && b2 == 0x00) return KernelImage.Compression.LZMA;
        if (b0 == 'B' && b1 == 'Z' && b2 == 'h') return KernelImage.Compression.BZIP2;
        if (b0 == 0x02 && b1 == 0x21 && b2 == 0x4c && b3 == 0x18) return KernelImage.Compression.LZ4;
        if (b0 == 0x89 && b1 == 'L' && b2 == 'Z' && b3 == 'O') return KernelImage.Compression.LZO;
        if (b0 == 0x7f && b1 == 'E' && b2 == 'L' && b3 == 'F') return KernelImage.Compression.NONE;
        return KernelImage.Compression.UNKNOWN;
    }

    private static String findBanner(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            int limit = map.limit() - BANNER.length;
            outer:
            for (int i = 0; i < limit; i++) {
                for (int j = 0; j < BANNER.length; j++) {
                    if (map.get(i + j) != BANNER[j]) {
                        continue outer;
                    }
                }
                StringBuilder s = new StringBuilder();
                for (int k = i + BANNER.length; k < map.limit() && s.length() < 256; k++) {
                    byte c = map.get(k);
                    if (c == 0 || c == '\n') {
                        break;
                    }
                    s.append((char) (c & 0xff));
                }
                // The printk format string "Linux version %s" is not the banner; skip it.
                if (s.length() > 0 && s.charAt(0) != '%') {
                    return s.toString();
                }
            }
        } catch (IOException e) {
            throw KbootException.missing("kernel image (unreadable: " + e.getMessage() + ")", path);
        }
        throw KbootException.badInput(path, null, "ELF image without a 'Linux version' banner (is this a vmlinux?)");
    }
}
