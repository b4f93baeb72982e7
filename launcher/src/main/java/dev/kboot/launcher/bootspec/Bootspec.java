package dev.kboot.launcher.bootspec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One NixOS bootspec document, {@code org.nixos.bootspec.v1} (RFC 0125; schema:
 * DeterminateSystems/bootspec {@code schema.json}; generator: nixpkgs
 * {@code nixos/modules/system/activation/bootspec.nix}).
 *
 * <p>Paths are as written in the document, i.e. guest store paths such as
 * {@code /nix/store/<hash>-nixos-system-x/init}; {@link Closure} maps them to host paths.
 *
 * @param source          the boot.json this came from
 * @param init            the stage-2 init ({@code init=} is added by the launcher, never in kernelParams)
 * @param initrd          the initrd, when the system has one
 * @param initrdSecrets   the initrd secrets appender, when enabled
 * @param kernel          the kernel image (a bzImage on x86_64)
 * @param kernelParams    the kernel command line words, in order
 * @param label           the human name, e.g. {@code NixOS 24.11 (Linux 6.6.1)}
 * @param system          the Nix system double, e.g. {@code x86_64-linux}
 * @param toplevel        the system closure's toplevel store path
 * @param extensions      other top-level keys (reverse-DNS extension names), kept verbatim as JSON values
 *                        (Map, List, String, Number, Boolean or null)
 * @param specialisations {@code org.nixos.specialisation.v1}: name to a whole bootspec
 */
public record Bootspec(
        Path source,
        String init,
        Optional<String> initrd,
        Optional<String> initrdSecrets,
        String kernel,
        List<String> kernelParams,
        String label,
        String system,
        String toplevel,
        Map<String, Object> extensions,
        Map<String, Bootspec> specialisations) {

    /** The top-level key of a bootspec v1 document. */
    public static final String V1 = "org.nixos.bootspec.v1";
    /** The top-level key mapping specialisation names to bootspec documents. */
    public static final String SPECIALISATIONS = "org.nixos.specialisation.v1";

    /**
     * @param name a specialisation name
     * @return that specialisation's bootspec
     * @throws dev.kboot.launcher.KbootException (exit 64) listing the names there are
     */
    public Bootspec specialisation(String name) {
        Bootspec s = specialisations.get(name);
        if (s == null) {
            throw dev.kboot.launcher.KbootException.usage("--specialisation " + name + ": " + source
                    + " has " + (specialisations.isEmpty() ? "no specialisations"
                    : "only " + String.join(", ", specialisations.keySet().stream().sorted().toList())));
        }
        return s;
    }
}
