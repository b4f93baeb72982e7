package dev.kboot.launcher.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code define} finds the image from what it is given, and what it reads from it. */
class DiskImageTest {
    @TempDir
    Path tmp;
    Path qcow2;

    @BeforeEach
    void image() throws Exception {
        Files.createDirectories(tmp.resolve("image-out"));
        qcow2 = tmp.resolve("image-out/nixos.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", qcow2.toString(), "3G").inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0);
    }

    @Test
    void theImageItsOutputDirectoryOrTheToplevelBesideIt() throws Exception {
        DiskImage direct = DiskImage.find(qcow2);
        assertEquals(qcow2.toRealPath(), direct.path());
        assertEquals("qcow2", direct.format());
        assertEquals(3L << 30, direct.virtualSize(), "the qcow2 header's size");
        assertEquals(direct.path(), DiskImage.find(tmp.resolve("image-out")).path());

        // a toplevel named like its store path (so its parent stands for the store), with result-image beside it
        String top = "aaaabbbbccccddddeeeeffff00001111-nixos-system";
        Path store = Files.createDirectories(tmp.resolve("store"));
        Path toplevel = Files.createDirectories(store.resolve(top));
        Files.writeString(toplevel.resolve("boot.json"), "{\"org.nixos.bootspec.v1\":{\"init\":\"/nix/store/" + top + "/init\","
                + "\"kernel\":\"/nix/store/x-linux/bzImage\",\"kernelParams\":[],\"label\":\"NixOS 24.05\",\"system\":\"x86_64-linux\","
                + "\"toplevel\":\"/nix/store/" + top + "\"},\"org.nixos.specialisation.v1\":{}}");
        Path result = Files.createSymbolicLink(tmp.resolve("result"), toplevel);
        Files.createSymbolicLink(tmp.resolve("result-image"), tmp.resolve("image-out"));
        DiskImage viaToplevel = DiskImage.find(result);
        assertEquals(direct.path(), viaToplevel.path());
        assertEquals("NixOS 24.05", viaToplevel.closure().orElseThrow().bootspec().label());

        Path raw = tmp.resolve("disk.img");
        Files.write(raw, new byte[1 << 20]);
        assertEquals("raw", DiskImage.find(raw).format());
        assertEquals(1L << 20, DiskImage.find(raw).virtualSize());
    }

    @Test
    void whatIsNotThereOrNotAnImageIsRefused() throws Exception {
        assertEquals(ExitCode.NO_INPUT, assertThrows(KbootException.class, () -> DiskImage.find(tmp.resolve("absent.qcow2"))).exitCode());
        KbootException empty = assertThrows(KbootException.class, () -> DiskImage.find(Files.createDirectories(tmp.resolve("empty"))));
        assertEquals(ExitCode.NO_INPUT, empty.exitCode());
        assertTrue(empty.getMessage().contains("disk image (*.qcow2, *.img or *.raw)"), empty.getMessage());
        Path fake = tmp.resolve("fake.qcow2");
        Files.writeString(fake, "not a qcow2 image, just text that is long enough to have a header");
        KbootException bad = assertThrows(KbootException.class, () -> DiskImage.find(fake));
        assertEquals(ExitCode.DATA, bad.exitCode());
        assertTrue(bad.getMessage().contains("a qcow2 image (magic QFI\\xfb)"), bad.getMessage());
        Path odd = tmp.resolve("odd.raw");
        Files.write(odd, new byte[1000]);
        assertEquals(ExitCode.DATA, assertThrows(KbootException.class, () -> DiskImage.find(odd)).exitCode());
    }
}
