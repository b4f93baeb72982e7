package dev.kboot.launcher.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelInspectorTest {
    @TempDir
    Path dir;

    /**
     * A bzImage-shaped file: the x86 boot protocol setup header fields kboot reads
     * (Documentation/arch/x86/boot.rst), and a gzip payload holding {@code payload}.
     */
    static byte[] bzImage(String version, byte[] payload) throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(payload);
        }
        int setupSects = 4;
        int payloadOffset = 0x100;
        byte[] img = new byte[(setupSects + 1) * 512 + payloadOffset + gz.size() + 4];
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        img[0x1f1] = (byte) setupSects;
        b.putInt(0x202, 0x53726448); // "HdrS"
        b.putShort(0x206, (short) 0x20f);
        b.putShort(0x20e, (short) 0x300); // kernel_version at 0x300 + 0x200
        byte[] v = version.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(v, 0, img, 0x500, v.length);
        b.putInt(0x248, payloadOffset);
        b.putInt(0x24c, gz.size() + 4);
        System.arraycopy(gz.toByteArray(), 0, img, (setupSects + 1) * 512 + payloadOffset, gz.size());
        return img;
    }

    @Test
    void readsReleaseAndPayloadOfABzImage() throws Exception {
        Path k = dir.resolve("bzImage");
        Files.write(k, bzImage("6.6.1-test (nixbld@localhost) #1 SMP PREEMPT_DYNAMIC", "not an elf".getBytes()));
        KernelImage img = KernelInspector.inspect(k);
        assertEquals(KernelImage.Format.BZIMAGE, img.format());
        assertEquals("6.6.1-test", img.release());
        assertEquals(KernelImage.Compression.GZIP, img.payload().orElseThrow().compression());
    }

    @Test
    void aPayloadThatIsNotAPvhElfBootsAsTheBzImage() throws Exception {
        Path k = dir.resolve("bzImage");
        Files.write(k, bzImage("6.6.1", "not an elf".getBytes()));
        VmlinuxCache cache = new VmlinuxCache(dir.resolve("cache"));
        assertTrue(cache.pvhElf(KernelInspector.inspect(k)).isEmpty());
        // ... and the verdict is cached, not recomputed
        try (var s = Files.list(dir.resolve("cache"))) {
            assertTrue(s.anyMatch(p -> p.toString().endsWith(".nopvh")));
        }
    }

    @Test
    void notAKernelIs65() throws Exception {
        Path k = dir.resolve("junk");
        Files.writeString(k, "hello");
        KbootException e = assertThrows(KbootException.class, () -> KernelInspector.inspect(k));
        assertEquals(ExitCode.DATA, e.exitCode());
        assertTrue(e.getMessage().contains("not a kernel image"), e.getMessage());
        e = assertThrows(KbootException.class, () -> KernelInspector.inspect(dir.resolve("missing")));
        assertEquals(ExitCode.NO_INPUT, e.exitCode());
    }

    @Test
    void compressionMagic() {
        assertEquals(KernelImage.Compression.XZ, KernelInspector.compressionOf(new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0}));
        assertEquals(KernelImage.Compression.ZSTD, KernelInspector.compressionOf(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0}));
        assertEquals(KernelImage.Compression.UNKNOWN, KernelInspector.compressionOf(new byte[6]));
        assertFalse(VmlinuxCache.hasPvhNote(dir.resolve("nothing")));
    }
}
