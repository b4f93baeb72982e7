package dev.kboot.launcher.bootspec;

import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A system closure as given on the command line, resolved: where its boot.json is, which
 * bootspec (top level or a specialisation) is booted, and which host directory stands for the
 * guest's {@code /nix/store}.
 *
 * @param argument  what the user gave: a toplevel directory, a {@code result} symlink, or a boot.json
 * @param bootspec  the selected bootspec (a specialisation's when one was asked for)
 * @param hostStore the host directory shared as virtiofs tag {@code store} and mounted at /nix/store
 */
public record Closure(Path argument, Bootspec bootspec, Path hostStore) {

    /** The store directory the guest sees, and where bootspec paths point. */
    public static final String GUEST_STORE = "/nix/store";

    /**
     * Resolves RESULT.
     *
     * <p>The host store is {@code storeOverride} when given; otherwise, when the resolved toplevel
     * directory is named like the bootspec's {@code toplevel} store path, its parent directory
     * (this makes a closure copied or built outside /nix/store, such as the sample, boot
     * without flags); otherwise {@code /nix/store}.
     *
     * @param result         toplevel directory, symlink to one, or a boot.json path
     * @param specialisation a specialisation name, or null for the top-level bootspec
     * @param storeOverride  --store, or null
     * @throws KbootException exit 66 when RESULT or its boot.json is missing, 65 when malformed,
     *                        64 for an unknown specialisation
     */
    public static Closure resolve(Path result, String specialisation, Path storeOverride) {
        if (!Files.exists(result)) {
            throw KbootException.missing("closure", result);
        }
        Path bootJson = Files.isDirectory(result) ? result.resolve("boot.json") : result;
        if (Files.isDirectory(result) && !Files.exists(bootJson)) {
            if (Files.exists(result.resolve("boot.v1.json"))) {
                throw KbootException.badInput(result.resolve("boot.v1.json"), null,
                        "a pre-RFC draft bootspec; kboot reads boot.json ('" + Bootspec.V1 + "'): rebuild the closure with a current nixpkgs");
            }
            throw KbootException.missing("boot.json (is this a NixOS system closure built with bootspec enabled?)", bootJson);
        }
        Bootspec top = BootspecReader.read(bootJson);
        Bootspec chosen = specialisation == null ? top : top.specialisation(specialisation);
        Path store = storeOverride;
        if (store == null) {
            store = inferStore(bootJson, top);
        }
        if (!Files.isDirectory(store)) {
            throw KbootException.missing("store directory (--store)", store);
        }
        return new Closure(result, chosen, store);
    }

    private static Path inferStore(Path bootJson, Bootspec top) {
        try {
            Path toplevelDir = bootJson.toRealPath().getParent();
            String name = Paths.get(top.toplevel()).getFileName().toString();
            if (toplevelDir != null && toplevelDir.getFileName() != null
                    && toplevelDir.getFileName().toString().equals(name) && toplevelDir.getParent() != null) {
                return toplevelDir.getParent();
            }
        } catch (IOException e) {
            // fall through to the default
        }
        return Paths.get(GUEST_STORE);
    }

    /**
     * Maps a guest store path from the bootspec to the host.
     *
     * @param guestPath e.g. {@code /nix/store/<hash>-linux-6.6/bzImage}
     * @return the same file under {@link #hostStore()}; paths outside /nix/store are returned as is
     */
    public Path toHost(String guestPath) {
        if (guestPath.startsWith(GUEST_STORE + "/")) {
            return hostStore.resolve(guestPath.substring(GUEST_STORE.length() + 1));
        }
        return Paths.get(guestPath);
    }
}
