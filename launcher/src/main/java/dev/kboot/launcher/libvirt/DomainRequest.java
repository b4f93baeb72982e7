package dev.kboot.launcher.libvirt;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * A kboot domain as the user asked for it ({@code kboot libvirt define}, or one entry of an
 * {@code apply} file), before anything is resolved.
 *
 * @param source         RESULT (a NixOS toplevel with its image output beside it, or an image
 *                       output directory) or IMAGE.qcow2; with {@code imageless}, the closure
 * @param imageless      direct kernel boot of the closure with its store over virtiofs
 * @param kernel         the kernel for an imageless domain, or null for the bootspec's
 * @param modules        the modules directory for an imageless domain, or null to look next to the kernel
 * @param specialisation a specialisation of the closure, or null
 * @param append         kernel command line words appended last (imageless), or ""
 * @param name           the domain's name
 * @param uuid           its UUID, or empty for kboot's name-based one
 * @param memoryBytes    guest RAM in bytes
 * @param cpus           vCPUs
 * @param network        the libvirt network of its NIC, or empty for no NIC
 * @param pool           the storage pool of the overlay volume (disk domains)
 * @param type           kvm or qemu
 * @param firmware       bios or efi
 * @param stateDir       kboot's directory for the domain on the libvirt host, or empty for the default
 * @param writableShare  whether the domain gets kboot's writable virtiofs share (batch suites
 *                       write their results there); needs a root libvirt daemon
 */
public record DomainRequest(Path source, boolean imageless, Path kernel, Path modules, String specialisation, String append,
                            String name, Optional<UUID> uuid, long memoryBytes, int cpus, Optional<String> network, String pool,
                            DomainSpec.Hypervisor type, DomainSpec.Firmware firmware, Optional<Path> stateDir, boolean writableShare) {

    /** @return a request with kboot's defaults: 1 GiB, 2 vCPUs, network and pool "default", kvm, BIOS */
    public static DomainRequest of(Path source, String name) {
        return new DomainRequest(source, false, null, null, null, "", name, Optional.empty(), 1L << 30, 2, Optional.of("default"),
                "default", DomainSpec.Hypervisor.KVM, DomainSpec.Firmware.BIOS, Optional.empty(), true);
    }

    /** @return a copy with this memory size in bytes */
    public DomainRequest withMemory(long bytes) {
        return new DomainRequest(source, imageless, kernel, modules, specialisation, append, name, uuid, bytes, cpus, network, pool,
                type, firmware, stateDir, writableShare);
    }

    /** @return a copy with this domain type */
    public DomainRequest withType(DomainSpec.Hypervisor t) {
        return new DomainRequest(source, imageless, kernel, modules, specialisation, append, name, uuid, memoryBytes, cpus, network, pool,
                t, firmware, stateDir, writableShare);
    }

    /** @return a copy with this pool */
    public DomainRequest withPool(String p) {
        return new DomainRequest(source, imageless, kernel, modules, specialisation, append, name, uuid, memoryBytes, cpus, network, p,
                type, firmware, stateDir, writableShare);
    }

    /** @return a copy with this network (empty: no NIC) */
    public DomainRequest withNetwork(Optional<String> n) {
        return new DomainRequest(source, imageless, kernel, modules, specialisation, append, name, uuid, memoryBytes, cpus, n, pool,
                type, firmware, stateDir, writableShare);
    }

    /** @return a copy with this UUID */
    public DomainRequest withUuid(UUID u) {
        return new DomainRequest(source, imageless, kernel, modules, specialisation, append, name, Optional.of(u), memoryBytes, cpus,
                network, pool, type, firmware, stateDir, writableShare);
    }

    /** @return the UUID the domain is defined with: the given one, or kboot's name-based one */
    public UUID effectiveUuid() {
        return uuid.orElseGet(() -> Identity.uuid("domain", name));
    }
}
