package dev.kboot.launcher.doctor;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.lzma.LZMACompressorInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The kernel modules an initrd holds, and for which kernel release each was built: what the
 * closure's stage 1 can load before the {@code store} share is mounted.
 *
 * <p>An initrd is one or more concatenated cpio archives (newc, "070701"), each uncompressed or
 * compressed (gzip, zstd, xz, lzma, bzip2), the way the kernel unpacks them
 * (Documentation/driver-api/early-userspace/buffer-format.rst); a distribution's starts with an
 * uncompressed one holding CPU microcode. A module's release is the {@code lib/modules/RELEASE/}
 * directory it is in (NixOS, dracut, initramfs-tools) or, for a module kept elsewhere, the
 * {@code vermagic=} of its {@code .modinfo}.
 *
 * @param modules module name to the kernel release it was built for ("" when unknown)
 * @param note    why the listing may be partial (an unreadable compression), or ""
 */
public record InitrdModules(Map<String, String> modules, String note) {
    private static final Pattern RELEASE_DIR = Pattern.compile("(?:^|/)lib/modules/([^/]+)/");
    private static final Pattern VERMAGIC = Pattern.compile("vermagic=(\\S+)");

    /** Copies the map. */
    public InitrdModules {
        modules = Map.copyOf(modules);
        note = note == null ? "" : note;
    }

    /**
     * @param module  a module name ({@code virtiofs})
     * @param release the kernel release that must load it
     * @return whether the initrd holds that module built for that release
     */
    public boolean holds(String module, String release) {
        String r = modules.get(module);
        return r != null && (r.isEmpty() || r.equals(release));
    }

    /** @return the release the initrd's copy of {@code module} was built for, if it holds one */
    public Optional<String> releaseOf(String module) {
        return Optional.ofNullable(modules.get(module));
    }

    /**
     * Lists the modules of an initrd file.
     *
     * @param initrd the file
     * @return its modules; an unreadable file gives none, with the reason in {@link #note()}
     */
    public static InitrdModules read(Path initrd) {
        Map<String, String> found = new HashMap<>();
        try (PushbackInputStream in = new PushbackInputStream(new BufferedInputStream(Files.newInputStream(initrd), 1 << 16), 8)) {
            String note = readArchives(in, found, 0);
            return new InitrdModules(found, note);
        } catch (IOException | RuntimeException e) {
            return new InitrdModules(found, initrd + ": " + e.getMessage());
        }
    }

    /** Reads archives one after another until the end; @return a note when one could not be read */
    private static String readArchives(PushbackInputStream in, Map<String, String> found, int depth) throws IOException {
        while (true) {
            int c;
            do {
                c = in.read();
            } while (c == 0);
            if (c < 0) {
                return "";
            }
            byte[] magic = new byte[6];
            magic[0] = (byte) c;
            int n = 1 + in.readNBytes(magic, 1, 5);
            in.unread(magic, 0, n);
            if (n >= 6 && new String(magic, StandardCharsets.US_ASCII).startsWith("07070")) {
                listCpio(in, found);
                continue;
            }
            if (depth > 0) {
                return "";
            }
            InputStream inner = decompressor(magic, in);
            if (inner == null) {
                return "a part of the initrd uses a compression kboot cannot read (magic "
                        + java.util.HexFormat.of().formatHex(magic, 0, Math.min(n, 4)) + ")";
            }
            try (PushbackInputStream p = new PushbackInputStream(new BufferedInputStream(inner, 1 << 16), 8)) {
                String note = readArchives(p, found, depth + 1);
                if (!note.isEmpty()) {
                    return note;
                }
            }
            return "";
        }
    }

    private static InputStream decompressor(byte[] m, InputStream in) throws IOException {
        int b0 = m[0] & 0xff, b1 = m[1] & 0xff, b2 = m[2] & 0xff, b3 = m[3] & 0xff;
        if (b0 == 0x1f && (b1 == 0x8b || b1 == 0x9e)) return new GZIPInputStream(in, 1 << 16);
        if (b0 == 0x28 && b1 == 0xb5 && b2 == 0x2f && b3 == 0xfd) return new io.airlift.compress.zstd.ZstdInputStream(in);
        if (b0 == 0xfd && b1 == '7' && b2 == 'z' && b3 == 'X') return new XZInputStream(in);
        if (b0 == 0x5d && b1 == 0x00 && b2 == 0x00) return new LZMACompressorInputStream(in);
        if (b0 == 'B' && b1 == 'Z' && b2 == 'h') return new BZip2CompressorInputStream(in);
        return null;
    }

    /** Lists one cpio archive, leaving {@code in} just after its trailer. */
    private static void listCpio(InputStream in, Map<String, String> found) throws IOException {
        CpioArchiveInputStream cpio = new CpioArchiveInputStream(new NoClose(in));
        for (CpioArchiveEntry e; (e = cpio.getNextCPIOEntry()) != null; ) {
            String path = e.getName();
            if (!e.isRegularFile() || !ModulesIndex.isModuleFile(path)) {
                continue;
            }
            String name = ModulesIndex.name(path);
            Matcher dir = RELEASE_DIR.matcher(path);
            if (dir.find()) {
                found.put(name, dir.group(1));
            } else {
                byte[] data = cpio.readNBytes((int) Math.min(e.getSize(), 64L << 20));
                found.put(name, vermagic(path, data));
            }
        }
    }

    /** @return the release in a module's {@code vermagic=}, or "" */
    static String vermagic(String path, byte[] data) {
        try {
            InputStream in = new ByteArrayInputStream(data);
            if (path.endsWith(".xz")) {
                in = new XZInputStream(in);
            } else if (path.endsWith(".zst")) {
                in = new io.airlift.compress.zstd.ZstdInputStream(in);
            } else if (path.endsWith(".gz")) {
                in = new GZIPInputStream(in);
            }
            Matcher m = VERMAGIC.matcher(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
            return m.find() ? m.group(1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Keeps the shared stream open when the cpio reader of one archive is done. */
    private static final class NoClose extends java.io.FilterInputStream {
        NoClose(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }
}
