package dev.kboot.cli;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * A bootspec closure on disk for tests that do not boot: a store directory holding a toplevel
 * with boot.json, a bzImage-shaped kernel (the x86 boot protocol header fields kboot reads, a
 * gzip payload) with lib/modules/<release>, and an initrd file.
 */
final class SyntheticClosure {
    static final String RELEASE = "6.6.1-synthetic";
    final Path store;
    final Path toplevel;

    SyntheticClosure(Path dir) throws Exception {
        store = Files.createDirectories(dir.resolve("store"));
        toplevel = Files.createDirectories(store.resolve("aaaa-nixos-system-test"));
        Path kernel = Files.createDirectories(store.resolve("bbbb-linux-6.6.1"));
        Files.write(kernel.resolve("bzImage"), bzImage(RELEASE + " (nixbld@localhost) #1 SMP"));
        Files.createDirectories(kernel.resolve("lib/modules/" + RELEASE));
        Path initrd = Files.createDirectories(store.resolve("cccc-initrd"));
        Files.write(initrd.resolve("initrd"), new byte[] {0x30, 0x37, 0x30, 0x37});
        writeBootJson(bootJson());
    }

    String bootJson() {
        return "{\"org.nixos.bootspec.v1\":{\"init\":\"/nix/store/aaaa-nixos-system-test/init\","
                + "\"initrd\":\"/nix/store/cccc-initrd/initrd\",\"kernel\":\"/nix/store/bbbb-linux-6.6.1/bzImage\","
                + "\"kernelParams\":[\"loglevel=4\"],\"label\":\"Test (Linux 6.6.1)\",\"system\":\"x86_64-linux\","
                + "\"toplevel\":\"/nix/store/aaaa-nixos-system-test\"},\"org.nixos.specialisation.v1\":{}}";
    }

    void writeBootJson(String json) throws Exception {
        Files.writeString(toplevel.resolve("boot.json"), json, StandardCharsets.UTF_8);
    }

    static byte[] bzImage(String version) throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write("not an ELF".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] img = new byte[5 * 512 + 0x100 + gz.size() + 4];
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        img[0x1f1] = 4;
        b.putInt(0x202, 0x53726448);
        b.putShort(0x206, (short) 0x20f);
        b.putShort(0x20e, (short) 0x300);
        byte[] v = version.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(v, 0, img, 0x500, v.length);
        b.putInt(0x248, 0x100);
        b.putInt(0x24c, gz.size() + 4);
        System.arraycopy(gz.toByteArray(), 0, img, 5 * 512 + 0x100, gz.size());
        return img;
    }
}
