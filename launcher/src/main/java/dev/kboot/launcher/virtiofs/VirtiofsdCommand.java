package dev.kboot.launcher.virtiofs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders the virtiofsd command line for one share: a pure function of the binary, the share
 * and the socket, pinned by tests and printed by {@code --dry-run}.
 *
 * <p>Choices: the read-only store and modules use cache {@code always} (nothing changes under
 * the guest); writable shares use {@code auto}. Rust: {@code --readonly} where supported,
 * {@code --inode-file-handles=prefer} (a large store exhausts file descriptors without it,
 * microvm.nix #472), sandbox {@code namespace} as root and {@code none} otherwise. Legacy C:
 * it has no read-only option, so as root a read-only share is bind-mounted read-only in a
 * private mount namespace ({@code unshare -m}) before the daemon starts; sandbox {@code chroot}.
 */
public final class VirtiofsdCommand {
    private VirtiofsdCommand() {
    }

    /**
     * @param bin     the daemon
     * @param share   what to share
     * @param socket  the vhost-user socket path the daemon creates
     * @param root    whether kboot runs as root
     * @param unshare the unshare(1) executable for the legacy daemon's read-only bind, or null
     * @return the argv
     */
    public static List<String> render(VirtiofsdBinary bin, Share share, Path socket, boolean root, Path unshare) {
        String cache = share.readOnly() ? "always" : "auto";
        List<String> argv = new ArrayList<>();
        if (bin.kind() == VirtiofsdBinary.Kind.RUST) {
            argv.add(bin.path().toString());
            argv.add("--socket-path=" + socket);
            argv.add("--shared-dir=" + share.hostDir());
            argv.add("--cache=" + cache);
            argv.add("--sandbox=" + (root ? "namespace" : "none"));
            if (share.readOnly() && bin.readonly()) {
                argv.add("--readonly");
            }
            if (root && bin.inodeFileHandles()) {
                argv.add("--inode-file-handles=prefer");
            }
            return argv;
        }
        if (share.readOnly() && root && unshare != null) {
            argv.addAll(List.of(unshare.toString(), "--mount", "--propagation", "private", "--",
                    "/bin/sh", "-c", "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" \"$0\" && exec \"$@\"",
                    share.hostDir().toString()));
        }
        argv.add(bin.path().toString());
        argv.add("--socket-path=" + socket);
        argv.add("-o");
        argv.add("source=" + share.hostDir());
        argv.add("-o");
        argv.add("cache=" + cache);
        argv.add("-o");
        argv.add("sandbox=chroot");
        return argv;
    }
}
