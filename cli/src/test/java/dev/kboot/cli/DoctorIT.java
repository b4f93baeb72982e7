package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kboot doctor} through the real bin/kboot, on the sample closure's Debian kernel and on what is made from it here. */
class DoctorIT {
    @TempDir
    Path dir;

    static Path store;
    static Path kernelPackage;

    @BeforeAll
    static void sample() throws Exception {
        KbootProcess.assertSampleExists();
        store = KbootProcess.SAMPLE.toRealPath().getParent();
        kernelPackage = store.resolve(Path.of(Files.readSymbolicLink(KbootProcess.SAMPLE.resolve("kernel")).toString()).getParent().getFileName());
    }

    private KbootProcess kboot(String... args) throws Exception {
        return KbootProcess.start(dir.resolve("runtime"), args);
    }

    @Test
    void theSampleClosureAndItsDebianKernelAreReady() throws Exception {
        KbootProcess k = kboot("doctor", KbootProcess.SAMPLE.toString());
        assertEquals(0, k.await(Duration.ofMinutes(2)), k.out() + k.err());
        String out = k.out();
        assertTrue(out.contains("ok    qemu") && out.contains("QEMU emulator version"), out);
        assertTrue(out.contains("ok    virtiofsd") && out.contains("ok    memfd"), out);
        assertTrue(out.matches("(?s).*\\n  (ok|warn)  +kvm .*"), "a verdict on KVM: " + out);
        assertTrue(out.contains("kernel: Linux 6.1.0-"), out);
        assertTrue(out.matches("(?s).*ok    CONFIG_VIRTIO_FS +=m: virtiofs.ko is in the initrd.*"), out);
        assertTrue(out.matches("(?s).*ok    CONFIG_VIRTIO_PCI +=m: virtio_pci.ko is in the initrd.*"), out);
        assertTrue(out.contains("doctor: ready"), out);
        assertFalse(out.contains("\u001b["), "no colour when stdout is not a terminal");

        k = kboot("doctor", KbootProcess.SAMPLE.toString(), "--json");
        assertEquals(0, k.await(Duration.ofMinutes(2)), k.err());
        JsonNode json = new ObjectMapper().readTree(k.out());
        assertTrue(json.path("ok").asBoolean());
        assertEquals("qemu", json.path("host").get(0).path("name").asText());
        List<String> names = new ArrayList<>();
        json.path("kernel").path("checks").forEach(c -> names.add(c.path("name").asText() + "=" + c.path("level").asText()));
        assertTrue(names.containsAll(List.of("CONFIG_VIRTIO_FS=ok", "CONFIG_FUSE_FS=ok", "CONFIG_VIRTIO_CONSOLE=ok", "CONFIG_DEVTMPFS=ok",
                "CONFIG_TMPFS=ok", "CONFIG_UNIX=ok", "CONFIG_SERIAL_8250_CONSOLE=ok")), names.toString());
    }

    @Test
    void aKernelWhoseConfigLacksVirtioFsFailsNamingTheOption() throws Exception {
        String release = Files.readString(KbootProcess.SAMPLE.resolve("kernel-release")).trim();
        Files.copy(kernelPackage.resolve("bzImage"), dir.resolve("bzImage"));
        String config = Files.readString(kernelPackage.resolve("config"));
        Files.writeString(dir.resolve("config-" + release), config.replace("\nCONFIG_VIRTIO_FS=m\n", "\n# CONFIG_VIRTIO_FS is not set\n"));
        KbootProcess k = kboot("doctor", KbootProcess.SAMPLE.toString(), "--kernel", dir.resolve("bzImage").toString(), "--color=always");
        assertEquals(1, k.await(Duration.ofMinutes(3)), k.out() + k.err());
        String out = k.out();
        assertTrue(out.contains("\u001b[31mfail\u001b[0m  CONFIG_VIRTIO_FS") && out.contains("is not set: needed for the store and modules shares"), out);
        assertTrue(out.contains("fix: set CONFIG_VIRTIO_FS=y"), out);
        assertTrue(out.contains("config from " + dir.resolve("config-" + release)), out);
        assertTrue(out.matches("(?s).*doctor: \\d+ failures?.*"), out);
    }

    @Test
    void aHostWithoutQemuIsToldWhatToInstall() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path jar = KbootProcess.REPO.resolve("cli/target/kboot.jar");
        ProcessBuilder pb = new ProcessBuilder(java, "-jar", jar.toString(), "doctor")
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        Files.createDirectories(dir.resolve("empty"));
        pb.environment().put("PATH", dir.resolve("empty").toString());
        pb.environment().put("XDG_RUNTIME_DIR", dir.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        String out = Files.readString(dir.resolve("out"));
        assertEquals(1, p.exitValue(), out + Files.readString(dir.resolve("err")));
        assertTrue(out.contains("fail  qemu") && out.contains("qemu-system-x86_64 not found on $PATH"), out);
        assertTrue(out.contains("fix: install it: apt-get install qemu-system-x86"), "names the Debian package: " + out);
    }

    @Test
    void badInputKeepsKbootsCodes() throws Exception {
        KbootProcess k = kboot("doctor", dir.resolve("no-such-result").toString());
        assertEquals(66, k.await(Duration.ofMinutes(1)), k.err());
        Files.writeString(dir.resolve("not-a-kernel"), "hello");
        k = kboot("doctor", "--kernel", dir.resolve("not-a-kernel").toString());
        assertEquals(65, k.await(Duration.ofMinutes(1)), k.err());
        assertTrue(k.err().contains("not-a-kernel") && k.err().contains("not a kernel image"), k.err());
        k = kboot("doctor", "--color=sometimes");
        assertEquals(64, k.await(Duration.ofMinutes(1)), k.err());
        assertTrue(k.err().contains("--color sometimes: expected auto, always or never"), k.err());
    }

    @Test
    void aBootThatNeverReachesInitNamesWhatTheKernelLacks() throws Exception {
        Path without = initrdWithoutVirtiofs();
        KbootProcess k = kboot("run", KbootProcess.SAMPLE.toString(), "--initrd", without.toString(), "-q", "--timeout", "240s");
        k.await(Duration.ofMinutes(5));
        String err = k.err();
        assertTrue(err.contains("the guest never reached init; the kernel cannot boot this closure: CONFIG_VIRTIO_FS=m, but the closure's initrd lacks virtiofs.ko"), err);
        assertTrue(err.contains("see 'kboot doctor "), err);
        assertFalse(new String(Files.readAllBytes(k.stdout), StandardCharsets.UTF_8).contains("KBOOT-SAMPLE: stage 2"));
        k.assertNothingLeft();
    }

    @Test
    void aCommandRunWhoseBootTimesOutBeforeInitNamesWhatTheKernelLacks() throws Exception {
        // acpi=off on microvm: stage 1's power-off only halts the guest, so the run can end only at
        // --timeout, before the agent ever answers: the `-- CMD` path's timeout, not the guest's death.
        Path without = initrdWithoutVirtiofs();
        KbootProcess k = kboot("run", KbootProcess.SAMPLE.toString(), "--initrd", without.toString(), "--machine", "microvm", "--append", "acpi=off",
                "-q", "--timeout", "20s", "--", "true");
        assertEquals(124, k.await(Duration.ofMinutes(3)), k.err());
        String err = k.err();
        assertTrue(err.contains("the guest never reached init; the kernel cannot boot this closure: CONFIG_VIRTIO_FS=m, but the closure's initrd lacks virtiofs.ko"), err);
        assertTrue(err.contains("timed out after 20s before the guest agent answered"), err);
        k.assertNothingLeft();
    }

    /** @return the sample's initrd without virtiofs.ko: stage 1 cannot mount the store and gives up */
    private Path initrdWithoutVirtiofs() throws Exception {
        Path initrd = store.resolve(Path.of(Files.readSymbolicLink(KbootProcess.SAMPLE.resolve("initrd")).toString()).getParent().getFileName()).resolve("initrd");
        Path without = dir.resolve("initrd");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(initrd));
             CpioArchiveInputStream cin = new CpioArchiveInputStream(in);
             CpioArchiveOutputStream cout = new CpioArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(without)))) {
            for (CpioArchiveEntry e; (e = cin.getNextCPIOEntry()) != null; ) {
                byte[] data = cin.readAllBytes();
                if (!e.getName().endsWith("/virtiofs.ko")) {
                    cout.putArchiveEntry(e);
                    cout.write(data);
                    cout.closeArchiveEntry();
                }
            }
        }
        return without;
    }
}
