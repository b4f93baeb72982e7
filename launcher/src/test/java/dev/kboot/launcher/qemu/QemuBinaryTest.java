package dev.kboot.launcher.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What kboot reads from QEMU's help output, on QEMU's own output (and the real binary where installed). */
class QemuBinaryTest {
    /** QEMU 7.2's {@code -machine q35,help}, abridged (Debian 1:7.2+dfsg-7). */
    static final String Q35_HELP_72 = """
            pc-q35-7.2-machine options:
              acpi=<OnOffAuto>       - Enable ACPI
              hpet=<bool>            - Enable/disable high precision event timer emulation
              i8042=<bool>
              pit=<OnOffAuto>        - Enable i8254 PIT
              sata=<bool>            - Enable/disable Serial ATA bus
              smbus=<bool>           - Enable/disable system management bus
              vmport=<OnOffAuto>     - Enable vmport (pc & q35)
            """;

    @Test
    void q35PropertiesAreThoseTheMachineLists() {
        assertEquals(List.of("i8042", "sata", "smbus", "vmport"), QemuBinary.q35Off(Q35_HELP_72));
        // an older QEMU without the i8042 property: only what it has
        assertEquals(List.of("sata", "smbus", "vmport"), QemuBinary.q35Off(Q35_HELP_72.replace("  i8042=<bool>\n", "")));
        assertEquals(List.of(), QemuBinary.q35Off("qemu-system-x86_64: unsupported machine type\n"));
    }

    @Test
    void qbootIsFoundInTheFirstDataDirectoryHoldingIt(@TempDir Path tmp) throws Exception {
        Path a = Files.createDirectories(tmp.resolve("share/qemu"));
        Path b = Files.createDirectories(tmp.resolve("share/seabios"));
        String help = a + "\n" + b + "\n";
        assertEquals(Optional.empty(), QemuBinary.qboot(help));
        Files.writeString(b.resolve("qboot.rom"), "rom");
        assertEquals(Optional.of(b.resolve("qboot.rom")), QemuBinary.qboot(help));
        Files.writeString(a.resolve("qboot.rom"), "rom");
        assertEquals(Optional.of(a.resolve("qboot.rom")), QemuBinary.qboot(help));
        assertEquals(Optional.empty(), QemuBinary.qboot("qemu-system-x86_64: -L: unknown option\n"));
        // QEMU prints its data directories relative to its executable: the firmware's real path is used
        assertEquals(Optional.of(a.resolve("qboot.rom")), QemuBinary.qboot(tmp.resolve("share/seabios/../qemu") + "\n"));
    }

    @Test
    void theInstalledQemuOffersWhatItsHelpSays() {
        Path qemu = Path.of("/usr/bin/qemu-system-x86_64");
        if (!Files.isExecutable(qemu)) {
            return; // scripts/setup.sh installs it; without it there is nothing to ask
        }
        QemuBinary q = QemuBinary.find(qemu);
        assertTrue(q.q35Off().contains("sata"), q.toString());
        assertTrue(q.qboot().map(Files::isRegularFile).orElse(true), q.toString());
    }
}
