package dev.kboot.cli;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.libvirt.LibvirtTarget;
import picocli.CommandLine.Option;

/** {@code --libvirt NAME} and {@code --connect URI} of kboot run and kboot test (a picocli mixin). */
public final class LibvirtGuestOptions {
    @Option(names = "--libvirt", paramLabel = "NAME",
            description = "Run in the libvirt domain NAME (kboot libvirt define) instead of booting RESULT: kboot starts it and powers it off "
                    + "at the end, or attaches to it when it runs already and leaves it running.")
    String libvirt;

    @Option(names = "--connect", paramLabel = "URI", description = "The libvirt URI of --libvirt (default: $LIBVIRT_DEFAULT_URI, else qemu:///system).")
    String connect;

    /** @return whether --libvirt was given */
    boolean on() {
        return libvirt != null;
    }

    /** @return the domain as a target for the harness */
    LibvirtTarget target() {
        return new LibvirtTarget(LibvirtCommand.Connection.uri(connect), libvirt);
    }

    /**
     * Refuses the options that make no sense with (or without) --libvirt.
     *
     * @param boot the boot options given
     * @throws KbootException 64
     */
    void check(BootOptions boot, boolean resultIsCommand) {
        if (libvirt == null) {
            if (connect != null) {
                throw KbootException.usage("--connect goes with --libvirt NAME");
            }
            return;
        }
        if (boot.result != null && !resultIsCommand) {
            throw KbootException.usage("RESULT and --libvirt exclude each other: the domain already says what it boots");
        }
    }
}
