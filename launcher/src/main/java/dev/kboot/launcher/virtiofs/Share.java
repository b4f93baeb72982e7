package dev.kboot.launcher.virtiofs;

import java.nio.file.Path;

/**
 * A host directory shared into the guest over virtiofs.
 *
 * @param hostDir  the directory on the host
 * @param tag      the virtiofs tag the guest mounts ({@code mount -t virtiofs TAG DIR})
 * @param readOnly whether the guest may only read it (the store and modules are read-only)
 */
public record Share(Path hostDir, String tag, boolean readOnly) {
    /**
     * Makes {@code hostDir} absolute and normal: virtiofsd chroots into it and the read-only bind
     * runs in another working directory, so a relative {@code --store .cache/store} would name
     * nothing there ("chroot(".cache/store"): No such file or directory", QEMU then failing with
     * "vhost_backend_init failed").
     */
    public Share {
        hostDir = hostDir.toAbsolutePath().normalize();
    }

    /** The tag of the store share (the host's /nix/store), per the imageless contract. */
    public static final String STORE = "store";
    /** The tag of the kernel modules share (mounted at /lib/modules). */
    public static final String MODULES = "modules";

    /**
     * Parses {@code --share HOSTDIR:TAG[:rw]}; shares are read-only unless {@code :rw} is given.
     *
     * @throws dev.kboot.launcher.KbootException exit 64 on a malformed value, 66 when HOSTDIR is missing
     */
    public static Share parse(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()
                || (parts.length == 3 && !parts[2].equals("rw") && !parts[2].equals("ro"))
                || !parts[1].matches("[A-Za-z0-9_.-]{1,36}")) {
            throw dev.kboot.launcher.KbootException.usage("--share " + spec
                    + ": expected HOSTDIR:TAG[:rw|:ro], TAG made of letters, digits, '_', '.', '-' (at most 36)");
        }
        Path dir = Path.of(parts[0]).toAbsolutePath().normalize();
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw dev.kboot.launcher.KbootException.missing("--share directory", dir);
        }
        return new Share(dir, parts[1], !(parts.length == 3 && parts[2].equals("rw")));
    }
}
