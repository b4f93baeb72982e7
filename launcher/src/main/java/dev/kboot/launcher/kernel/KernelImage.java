package dev.kboot.launcher.kernel;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What kboot knows about a kernel image file.
 *
 * @param path          the file given (bzImage or ELF vmlinux)
 * @param format        its format
 * @param release       the kernel release ({@code uname -r}), e.g. {@code 6.1.0-56-amd64}
 * @param versionString the full version string from the image header
 * @param payload       for a bzImage: where its compressed vmlinux is; empty for an ELF
 */
public record KernelImage(Path path, Format format, String release, String versionString, Optional<Payload> payload) {

    /** Image formats kboot can boot. */
    public enum Format {
        /** x86 boot protocol image ({@code arch/x86/boot/bzImage}, "HdrS" header). */
        BZIMAGE,
        /** An ELF vmlinux; bootable directly when it carries the PVH entry note. */
        ELF
    }

    /**
     * The compressed kernel inside a bzImage (x86 boot protocol 2.08+, fields
     * {@code payload_offset}/{@code payload_length}, Documentation/arch/x86/boot.rst).
     *
     * @param offset      byte offset of the payload in the file
     * @param length      payload length in bytes
     * @param compression the payload's compression, from its magic bytes
     */
    public record Payload(long offset, long length, Compression compression) {
    }

    /** Kernel payload compressions (CONFIG_KERNEL_*). */
    public enum Compression {
        GZIP, XZ, ZSTD, LZMA, BZIP2, LZ4, LZO, NONE, UNKNOWN
    }
}
