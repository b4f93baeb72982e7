package dev.kboot.launcher.virtiofs;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.ToolProbe;
import java.nio.file.Path;
import java.util.List;

/**
 * A virtiofsd executable and which of the two daemons it is.
 *
 * <p>The Rust virtiofsd (gitlab.com/virtio-fs/virtiofsd, what distributions ship now) takes
 * {@code --socket-path S --shared-dir D --cache MODE [--readonly] [--sandbox MODE]}; the legacy C
 * daemon shipped by QEMU up to 7.2 (Debian 12: /usr/lib/qemu/virtiofsd, root only) takes
 * {@code --socket-path=S -o source=D -o cache=MODE}. They are told apart by {@code --version}.
 *
 * @param path     the executable
 * @param kind     which daemon
 * @param version  its version line
 * @param readonly whether it has {@code --readonly} (Rust 1.6+)
 * @param inodeFileHandles whether it has {@code --inode-file-handles}
 */
public record VirtiofsdBinary(Path path, Kind kind, String version, boolean readonly, boolean inodeFileHandles) {

    /** The two daemons. */
    public enum Kind {
        /** The Rust virtiofsd. */
        RUST,
        /** The legacy C virtiofsd from QEMU &lt;= 7.2. */
        LEGACY_C
    }

    /** Where distributions install virtiofsd outside $PATH, tried in order. */
    public static final List<String> FALLBACKS = List.of(
            "/usr/libexec/virtiofsd", "/usr/lib/virtiofsd", "/usr/lib/qemu/virtiofsd", "/usr/libexec/qemu/virtiofsd");

    /**
     * Finds and identifies virtiofsd.
     *
     * @param explicit --virtiofsd, or null to search $PATH and {@link #FALLBACKS}
     * @throws KbootException exit 69 when none is found or it does not answer like a virtiofsd
     */
    public static VirtiofsdBinary find(Path explicit) {
        Path p = ToolProbe.find(explicit, List.of("virtiofsd"), FALLBACKS)
                .orElseThrow(() -> KbootException.unavailable(
                        "virtiofsd not found (looked on $PATH and in " + String.join(", ", FALLBACKS)
                                + "); install it (Debian 12: qemu-system-x86 ships /usr/lib/qemu/virtiofsd; elsewhere the 'virtiofsd' package) or pass --virtiofsd PATH"));
        if (!java.nio.file.Files.isExecutable(p)) {
            throw KbootException.unavailable("--virtiofsd " + p + ": not an executable file");
        }
        return identify(p, ToolProbe.output(p, "--version"), ToolProbe.output(p, "--help"));
    }

    /**
     * Identifies a virtiofsd from its {@code --version} and {@code --help} output.
     *
     * @throws KbootException exit 69 when the output is neither daemon's
     */
    public static VirtiofsdBinary identify(Path p, String versionOut, String helpOut) {
        String first = versionOut.lines().findFirst().orElse("").trim();
        if (helpOut.contains("-o source=PATH") || first.startsWith("virtiofsd version")) {
            return new VirtiofsdBinary(p, Kind.LEGACY_C, first, false, false);
        }
        if (helpOut.contains("--shared-dir")) {
            return new VirtiofsdBinary(p, Kind.RUST, first, helpOut.contains("--readonly"), helpOut.contains("--inode-file-handles"));
        }
        throw KbootException.unavailable(p + " does not look like virtiofsd (its --help names neither --shared-dir nor -o source=)");
    }
}
