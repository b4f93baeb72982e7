package dev.kboot.launcher.qemu;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.ToolProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A qemu-system-x86_64 executable and what it offers, from {@code --version},
 * {@code -machine help}, {@code -machine q35,help} and {@code -L help} (each cached per binary by
 * {@link ToolProbe}).
 *
 * @param path        the executable
 * @param version     e.g. {@code 7.2.22}
 * @param versionLine its whole version line
 * @param microvm     whether it has the microvm machine
 * @param q35Off      the q35 devices of {@link #Q35_UNUSED} this QEMU can switch off (its q35
 *                    machine has the property), in that order
 * @param qboot       qboot's firmware image in one of QEMU's data directories, if there is one
 */
public record QemuBinary(Path path, String version, String versionLine, boolean microvm, List<String> q35Off, Optional<Path> qboot) {
    private static final Pattern VERSION = Pattern.compile("QEMU emulator version (\\S+)");

    /**
     * q35 machine properties naming devices no kboot guest uses (kboot's devices are all
     * virtio): the PS/2 controller ({@code i8042}, QEMU 7.0+), the AHCI controller ({@code sata}),
     * the SMBus controller ({@code smbus}) and VMware's I/O port ({@code vmport}). With them off
     * the guest kernel has fewer ACPI devices to enumerate and probe (its i8042 driver is built
     * into most kernels and probes the controller at boot); bench/speed-bench.sh measures it.
     */
    public static final List<String> Q35_UNUSED = List.of("i8042", "sata", "smbus", "vmport");

    /** A QEMU offering nothing optional beyond microvm (tests). */
    public QemuBinary(Path path, String version, String versionLine, boolean microvm) {
        this(path, version, versionLine, microvm, List.of(), Optional.empty());
    }

    /**
     * @param explicit --qemu, or null to search $PATH for qemu-system-x86_64 (then qemu-kvm)
     * @throws KbootException exit 69 when not found or it does not answer like QEMU
     */
    public static QemuBinary find(Path explicit) {
        Path p = ToolProbe.find(explicit, List.of("qemu-system-x86_64"), List.of("/usr/libexec/qemu-kvm", "/usr/bin/qemu-kvm"))
                .orElseThrow(() -> KbootException.unavailable(
                        "qemu-system-x86_64 not found on $PATH; install it (Debian: apt-get install qemu-system-x86) or pass --qemu PATH"));
        if (!Files.isExecutable(p)) {
            throw KbootException.unavailable("--qemu " + p + ": not an executable file");
        }
        String v = ToolProbe.output(p, "--version");
        Matcher m = VERSION.matcher(v);
        if (!m.find()) {
            throw KbootException.unavailable(p + " does not look like QEMU (--version said: " + v.lines().findFirst().orElse("") + ")");
        }
        String machines = ToolProbe.output(p, "-machine", "help");
        boolean microvm = machines.lines().anyMatch(l -> l.startsWith("microvm "));
        return new QemuBinary(p, m.group(1), v.lines().findFirst().orElse("").trim(), microvm,
                q35Off(ToolProbe.output(p, "-machine", "q35,help")), qboot(ToolProbe.output(p, "-L", "help")));
    }

    /**
     * @param q35Help what {@code -machine q35,help} printed: lines like
     *                {@code   sata=<bool>            - Enable/disable Serial ATA bus}
     * @return the properties of {@link #Q35_UNUSED} it lists
     */
    static List<String> q35Off(String q35Help) {
        return Q35_UNUSED.stream()
                .filter(name -> q35Help.lines().anyMatch(l -> l.strip().startsWith(name + "=")))
                .toList();
    }

    /**
     * qboot (github.com/bonzini/qboot): a minimal firmware QEMU ships as {@code qboot.rom} that
     * boots a {@code -kernel} straight away, where SeaBIOS first initialises devices, option ROMs
     * and boot menus kboot never uses.
     *
     * @param dataDirs what {@code -L help} printed: one data directory per line
     * @return {@code qboot.rom} in the first data directory that has one, its real path
     */
    static Optional<Path> qboot(String dataDirs) {
        return dataDirs.lines().map(String::strip).filter(l -> l.startsWith("/"))
                .map(d -> Path.of(d, "qboot.rom")).filter(Files::isRegularFile).findFirst()
                .map(f -> {
                    try {
                        return f.toRealPath(); // QEMU prints /usr/bin/../share/qemu
                    } catch (java.io.IOException e) {
                        return f;
                    }
                });
    }
}
