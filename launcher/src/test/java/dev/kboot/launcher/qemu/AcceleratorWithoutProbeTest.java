package dev.kboot.launcher.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --dry-run} decides the accelerator without a probe boot but as the run will: the cached
 * verdict for this host boot wins over /dev/kvm merely opening (issue: it printed {@code -accel kvm
 * -cpu host} where the cached probe said TCG, and the run then used TCG).
 */
class AcceleratorWithoutProbeTest {
    @TempDir
    Path dir;

    private final QemuBinary qemu = new QemuBinary(Path.of("/usr/bin/qemu-system-x86_64"), "7.2.22", "QEMU emulator version 7.2.22", true);

    private Path kvm() throws Exception {
        return Files.writeString(dir.resolve("kvm"), ""); // opens read-write like a usable /dev/kvm
    }

    private Path cache(boolean ok, String reason) throws Exception {
        String key = HostInfo.bootId() + "|" + qemu.path() + "|" + qemu.versionLine();
        return Files.writeString(dir.resolve("accel.json"), "{\"key\":\"" + key + "\",\"ok\":" + ok + ",\"reason\":"
                + (reason == null ? "null" : "\"" + reason + "\"") + "}");
    }

    @Test
    void aCachedTcgVerdictWinsOverAnOpeningDevice() throws Exception {
        AcceleratorProbe.Decision d = AcceleratorProbe.withoutProbe(AcceleratorProbe.Choice.AUTO, qemu, kvm(),
                cache(false, "the KVM probe boot made no progress within 5 s"));
        assertEquals(Accelerator.TCG, d.accel());
        assertTrue(d.fellBack());
        assertTrue(d.reason().contains("made no progress") && d.reason().contains("cached"), d.reason());
    }

    @Test
    void aCachedKvmVerdictIsKvm() throws Exception {
        AcceleratorProbe.Decision d = AcceleratorProbe.withoutProbe(AcceleratorProbe.Choice.AUTO, qemu, kvm(), cache(true, null));
        assertEquals(Accelerator.KVM, d.accel());
        assertFalse(d.fellBack());
    }

    @Test
    void aVerdictOfAnotherHostBootOrQemuIsIgnored() throws Exception {
        Files.writeString(dir.resolve("accel.json"), "{\"key\":\"another-boot|/usr/bin/qemu-system-x86_64|x\",\"ok\":false,\"reason\":\"old\"}");
        AcceleratorProbe.Decision d = AcceleratorProbe.withoutProbe(AcceleratorProbe.Choice.AUTO, qemu, kvm(), dir.resolve("accel.json"));
        assertEquals(Accelerator.KVM, d.accel());
        assertTrue(d.reason().contains("not probed yet"), d.reason());
    }

    @Test
    void noDeviceIsTcgWhateverTheCache() throws Exception {
        AcceleratorProbe.Decision d = AcceleratorProbe.withoutProbe(AcceleratorProbe.Choice.AUTO, qemu, dir.resolve("no-kvm"), cache(true, null));
        assertEquals(Accelerator.TCG, d.accel());
        assertTrue(d.reason().endsWith("no-kvm does not exist"), d.reason());
    }

    @Test
    void askingForKvmWhereItIsKnownUnusableFailsAsTheRunWould() throws Exception {
        Path kvm = kvm();
        Path cache = cache(false, "the KVM probe boot made no progress within 5 s");
        KbootException e = assertThrows(KbootException.class,
                () -> AcceleratorProbe.withoutProbe(AcceleratorProbe.Choice.KVM, qemu, kvm, cache));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().startsWith("--accel kvm: KVM is unusable here"), e.getMessage());
    }

    @Test
    void tcgAskedIsTcgWithoutLooking() {
        AcceleratorProbe.Decision d = AcceleratorProbe.withoutProbe(AcceleratorProbe.Choice.TCG, qemu, dir.resolve("none"), dir.resolve("none.json"));
        assertEquals(Accelerator.TCG, d.accel());
        assertFalse(d.fellBack());
    }
}
