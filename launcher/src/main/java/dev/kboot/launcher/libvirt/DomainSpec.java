package dev.kboot.launcher.libvirt;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Everything a kboot domain is defined with, resolved: rendered to libvirt's domain XML in one
 * place ({@link DomainXml#render}), printed by {@code --dry-run}, pinned by a test.
 *
 * <p>One template: q35, virtio disk and NIC (the MAC derived from the UUID), the serial console
 * on a pty with its log in a file kboot tails, the kboot agent's virtio-serial port
 * ({@value #AGENT_PORT}) as a unix socket in kboot's state directory, an ISA pvpanic device,
 * and virtiofs shares (memfd shared memory) for an imageless guest and for kboot's writable
 * transfer share.
 *
 * @param name        the domain's name
 * @param uuid        its UUID (kboot's name-based one unless given)
 * @param type        kvm, or qemu (TCG)
 * @param memoryBytes guest RAM in bytes (rendered in KiB, as libvirt stores it)
 * @param cpus        vCPUs
 * @param firmware    BIOS (SeaBIOS), or UEFI (OVMF, chosen by libvirt)
 * @param boot        from a disk volume, or direct kernel boot
 * @param network     the libvirt network of the one NIC, or empty for none
 * @param mac         the NIC's MAC
 * @param agentSocket where QEMU listens for kboot on the agent's port (on the libvirt host)
 * @param consoleLog  where the serial console is logged (on the libvirt host)
 * @param filesystems virtiofs shares, in order
 * @param metadata    what kboot records in the domain (its metadata element)
 */
public record DomainSpec(String name, UUID uuid, Hypervisor type, long memoryBytes, int cpus, Firmware firmware, Boot boot,
                         Optional<String> network, String mac, Path agentSocket, Path consoleLog, List<Filesystem> filesystems,
                         Metadata metadata) {

    /** The name of the kboot agent's virtio-serial port (agent/kboot-agent.c looks for it). */
    public static final String AGENT_PORT = "org.kboot.agent";

    /** Copies the list. */
    public DomainSpec {
        filesystems = List.copyOf(filesystems);
    }

    /** libvirt's domain type. */
    public enum Hypervisor {
        /** Hardware virtualisation. */
        KVM,
        /** QEMU's TCG (software emulation). */
        QEMU;

        /** @return libvirt's name ("kvm", "qemu") */
        public String xml() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @return the accelerator as kboot run names it ("kvm", "tcg") */
        public String accel() {
            return this == KVM ? "kvm" : "tcg";
        }

        /**
         * @param text "kvm" or "qemu" (any case)
         * @throws IllegalArgumentException otherwise
         */
        public static Hypervisor parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "kvm" -> KVM;
                case "qemu", "tcg" -> QEMU;
                default -> throw new IllegalArgumentException("expected kvm or qemu, found '" + text + "'");
            };
        }
    }

    /** The firmware. */
    public enum Firmware {
        /** Legacy BIOS (SeaBIOS): boots an MBR disk (a NixOS image with grub on /dev/vda). */
        BIOS,
        /** UEFI (OVMF), picked by libvirt's firmware auto-selection; its NVRAM is kept by undefine unless told. */
        EFI;

        /**
         * @param text "bios" or "efi"/"uefi"
         * @throws IllegalArgumentException otherwise
         */
        public static Firmware parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "bios" -> BIOS;
                case "efi", "uefi" -> EFI;
                default -> throw new IllegalArgumentException("expected bios or efi, found '" + text + "'");
            };
        }
    }

    /** How the domain boots. */
    public sealed interface Boot permits DiskBoot, KernelBoot {
    }

    /**
     * From a disk: the writable qcow2 overlay volume in a pool (its backing file the read-only image).
     *
     * @param pool   the storage pool
     * @param volume the overlay volume's name
     */
    public record DiskBoot(String pool, String volume) implements Boot {
    }

    /**
     * Direct kernel boot (imageless).
     *
     * @param kernel  the kernel image on the libvirt host
     * @param initrd  the initrd, if any
     * @param cmdline the kernel command line
     */
    public record KernelBoot(Path kernel, Optional<Path> initrd, String cmdline) implements Boot {
    }

    /**
     * A virtiofs share.
     *
     * @param tag             the mount tag the guest uses
     * @param source          the host directory
     * @param readOnly        whether the guest must not write to it
     * @param binary          the virtiofsd libvirt runs for it, when not its default (kboot's
     *                        read-only wrapper on a libvirt that refuses {@code <readonly/>})
     * @param readonlyElement whether read-only is said with libvirt's {@code <readonly/>} (libvirt 11 and later)
     */
    public record Filesystem(String tag, Path source, boolean readOnly, Optional<Path> binary, boolean readonlyElement) {
    }

    /**
     * What kboot records in its metadata element (namespace {@value DomainXml#NAMESPACE}): the
     * mark of a domain kboot made (only those are {@code --prune}d), and what {@code kboot test
     * --libvirt} reports about it.
     *
     * @param source   the image or closure it was defined from
     * @param label    the bootspec label, when known
     * @param toplevel the toplevel store path, when known
     * @param stateDir kboot's directory for the domain on the libvirt host (agent socket, console log, shares)
     */
    public record Metadata(Path source, Optional<String> label, Optional<String> toplevel, Path stateDir) {
    }

    /** @return whether the domain boots a kernel directly (imageless) */
    public boolean imageless() {
        return boot instanceof KernelBoot;
    }
}
