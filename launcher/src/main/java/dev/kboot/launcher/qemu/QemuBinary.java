package dev.kboot.launcher.qemu;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.ToolProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A qemu-system-x86_64 executable and what it offers, from {@code --version} and
 * {@code -machine help} (cached per binary by {@link ToolProbe}).
 *
 * @param path    the executable
 * @param version e.g. {@code 7.2.22}
 * @param versionLine its whole version line
 * @param microvm whether it has the microvm machine
 */
public record QemuBinary(Path path, String version, String versionLine, boolean microvm) {
    private static final Pattern VERSION = Pattern.compile("QEMU emulator version (\\S+)");

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
        return new QemuBinary(p, m.group(1), v.lines().findFirst().orElse("").trim(), microvm);
    }
}
