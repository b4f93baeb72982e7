package dev.kboot.launcher.kernel;

import dev.kboot.launcher.KbootException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.lzma.LZMACompressorInputStream;
import org.tukaani.xz.SingleXZInputStream;

/**
 * The uncompressed ELF vmlinux of a bzImage, extracted once and cached by the bzImage's SHA-256.
 *
 * <p>Why: without KVM, decompressing the kernel in the guest is the largest single cost of a boot
 * (measured under TCG: booting the ELF through QEMU's PVH entry instead of the bzImage cut a
 * boot by 63%). An ELF is only used when it carries the PVH entry note
 * ({@code XEN_ELFNOTE_PHYS32_ENTRY}, type 18, owner "Xen": CONFIG_PVH=y).
 *
 * <p>Layout under the cache directory: {@code <sha256>.elf} (or {@code <sha256>.nopvh}, a marker
 * that the kernel cannot boot that way), and {@code index/<dev>-<inode>-<size>-<mtime>} holding
 * the SHA-256 of the file with that identity, so that an unchanged bzImage is not hashed again.
 */
public final class VmlinuxCache {
    private static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    private final Path dir;

    /** @param dir the cache directory, created on first use */
    public VmlinuxCache(Path dir) {
        this.dir = dir;
    }

    /**
     * @param image an inspected bzImage or ELF
     * @return the ELF to boot through PVH, or empty when the image must be booted as it is (no
     *         payload, a compression kboot cannot read, or no PVH note)
     * @throws KbootException exit 125 when the cache cannot be written
     */
    public Optional<Path> pvhElf(KernelImage image) {
        if (image.format() == KernelImage.Format.ELF) {
            return hasPvhNote(image.path()) ? Optional.of(image.path()) : Optional.empty();
        }
        if (image.payload().isEmpty()) {
            return Optional.empty();
        }
        KernelImage.Payload payload = image.payload().get();
        try {
            Files.createDirectories(dir.resolve("index"));
            String hash = contentHash(image.path());
            Path elf = dir.resolve(hash + ".elf");
            if (Files.exists(elf)) {
                return Optional.of(elf);
            }
            if (Files.exists(dir.resolve(hash + ".nopvh"))) {
                return Optional.empty();
            }
            Path tmp = Files.createTempFile(dir, hash, ".tmp");
            try {
                if (extract(image.path(), payload, tmp) && hasPvhNote(tmp)) {
                    move(tmp, elf);
                    return Optional.of(elf);
                }
                Files.writeString(dir.resolve(hash + ".nopvh"), payload.compression() + "\n");
                return Optional.empty();
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw KbootException.internal("cannot use the kernel cache " + dir + ": " + e, e);
        }
    }

    /**
     * @param image an inspected bzImage
     * @return the uncompressed ELF an earlier boot cached for it, without extracting anything; empty
     *         when there is none (or the image is an ELF itself)
     */
    public Optional<Path> cached(KernelImage image) {
        if (image.format() == KernelImage.Format.ELF || !Files.isDirectory(dir.resolve("index"))) {
            return Optional.empty();
        }
        try {
            Path elf = dir.resolve(contentHash(image.path()) + ".elf");
            return Files.isRegularFile(elf) ? Optional.of(elf) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** @return whether the payload decompressed into {@code out}; false for an unreadable payload */
    private static boolean extract(Path file, KernelImage.Payload payload, Path out) throws IOException {
        try (OutputStream o = Files.newOutputStream(out); InputStream in = decompressor(file, payload)) {
            return in != null && in.transferTo(o) > 0;
        } catch (IOException | RuntimeException e) {
            // A payload that does not decompress is not fatal: the bzImage boots as it is.
            if (e instanceof java.nio.file.FileSystemException) {
                throw (java.nio.file.FileSystemException) e;
            }
            return false;
        }
    }

    private String contentHash(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        Object key = a.fileKey();
        String identity = (key == null ? file.toRealPath().toString().hashCode() : key.toString().replaceAll("[^0-9a-zA-Z]+", "_"))
                + "-" + a.size() + "-" + a.lastModifiedTime().toMillis();
        Path index = dir.resolve("index").resolve(identity);
        if (Files.exists(index)) {
            return Files.readString(index).trim();
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                sha.update(buf, 0, r);
            }
        }
        String hash = HexFormat.of().formatHex(sha.digest());
        Files.writeString(index, hash + "\n");
        return hash;
    }

    /**
     * Opens the uncompressed kernel of an image: an ELF as it is, a bzImage's payload decompressed
     * on the fly (nothing is written).
     *
     * @param image an inspected image
     * @return the stream (close it), or null when the payload's compression cannot be read here
     * @throws IOException when the file cannot be read
     */
    public static InputStream openUncompressed(KernelImage image) throws IOException {
        if (image.format() == KernelImage.Format.ELF) {
            return Files.newInputStream(image.path());
        }
        return image.payload().isEmpty() ? null : decompressor(image.path(), image.payload().get());
    }

    private static InputStream decompressor(Path file, KernelImage.Payload p) throws IOException {
        InputStream raw = new BufferedInputStream(new BoundedFileStream(file, p.offset(), p.length()), 1 << 16);
        return switch (p.compression()) {
            case GZIP -> new GZIPInputStream(raw, 1 << 16);
            case XZ -> new SingleXZInputStream(raw);
            case LZMA -> new LZMACompressorInputStream(raw);
            case BZIP2 -> new BZip2CompressorInputStream(raw);
            case ZSTD -> new io.airlift.compress.zstd.ZstdInputStream(raw);
            case NONE -> raw;
            default -> {
                raw.close();
                yield null;
            }
        };
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * @param elf an ELF64 little-endian file
     * @return whether a PT_NOTE segment holds the Xen PVH entry note (type 18)
     */
    public static boolean hasPvhNote(Path elf) {
        try (FileChannel ch = FileChannel.open(elf, StandardOpenOption.READ)) {
            ByteBuffer eh = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(eh, 0);
            if (eh.get(0) != 0x7f || eh.get(1) != 'E' || eh.get(4) != 2 || eh.get(5) != 1) {
                return false;
            }
            long phoff = eh.getLong(0x20);
            int phentsize = Short.toUnsignedInt(eh.getShort(0x36));
            int phnum = Short.toUnsignedInt(eh.getShort(0x38));
            for (int i = 0; i < phnum; i++) {
                ByteBuffer ph = ByteBuffer.allocate(phentsize).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(ph, phoff + (long) i * phentsize);
                if (ph.getInt(0) != 4) { // PT_NOTE
                    continue;
                }
                long off = ph.getLong(0x08);
                long size = ph.getLong(0x20);
                ByteBuffer notes = ByteBuffer.allocate((int) Math.min(size, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(notes, off);
                notes.flip();
                while (notes.remaining() >= 12) {
                    int namesz = notes.getInt();
                    int descsz = notes.getInt();
                    int type = notes.getInt();
                    int nameLen = (namesz + 3) & ~3;
                    int descLen = (descsz + 3) & ~3;
                    if (nameLen + descLen > notes.remaining()) {
                        break;
                    }
                    byte[] name = new byte[nameLen];
                    notes.get(name);
                    notes.position(notes.position() + descLen);
                    if (type == XEN_ELFNOTE_PHYS32_ENTRY && new String(name, 0, Math.max(0, namesz - 1), StandardCharsets.US_ASCII).equals("Xen")) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** An InputStream over a byte range of a file. */
    private static final class BoundedFileStream extends InputStream {
        private final FileChannel ch;
        private long pos;
        private final long end;

        BoundedFileStream(Path file, long offset, long length) throws IOException {
            this.ch = FileChannel.open(file, StandardOpenOption.READ);
            this.pos = offset;
            this.end = Math.min(offset + length, ch.size());
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= end) {
                return -1;
            }
            int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
            if (n > 0) {
                pos += n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
