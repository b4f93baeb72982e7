package dev.kboot.launcher.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.DomainInterface;
import org.libvirt.LibvirtException;

/**
 * One domain as {@code kboot libvirt status} and {@code list} show it (and as their
 * {@code --json} writes it, field for field).
 *
 * @param name        the domain's name
 * @param uuid        its UUID
 * @param state       libvirt's state: running, paused, shutdown, shutoff, crashed, pmsuspended, blocked or nostate
 * @param kboot       whether it carries kboot's metadata element
 * @param type        libvirt's domain type (kvm, qemu)
 * @param memoryBytes its maximum memory in bytes
 * @param cpus        its vCPUs
 * @param autostart   whether libvirt starts it with the host
 * @param imageless   whether it boots a kernel directly
 * @param source      the image or closure kboot defined it from, or null
 * @param label       the bootspec label kboot recorded, or null
 * @param overlay     its overlay volume as pool/volume, or null
 * @param agentSocket the kboot agent's socket, or null
 * @param consoleLog  the serial console's log, or null
 * @param addresses   the guest's IP addresses from the network's DHCP leases (running domains)
 */
public record DomainStatus(String name, String uuid, String state, boolean kboot, String type, long memoryBytes, int cpus, boolean autostart,
                           boolean imageless, String source, String label, String overlay, String agentSocket, String consoleLog,
                           List<String> addresses) {

    /** VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE. */
    private static final int ADDRESSES_FROM_LEASES = 0;

    /** Copies the list. */
    public DomainStatus {
        addresses = List.copyOf(addresses);
    }

    /**
     * Reads a domain's status.
     *
     * @param c the connection
     * @param d the domain (not freed here)
     */
    public static DomainStatus of(LibvirtConnection c, Domain d) {
        Domains ds = new Domains(c);
        String name = ds.name(d);
        DomainInfo info = c.call("cannot read the state of " + name, d::getInfo);
        String xml = ds.inactiveXml(d);
        DomainXml.Facts f = DomainXml.read(xml);
        Xml root = Xml.parse(xml);
        boolean autostart = c.call("cannot read the autostart of " + name, d::getAutostart);
        List<String> addresses = new ArrayList<>();
        if (info.state == DomainInfo.DomainState.VIR_DOMAIN_RUNNING) {
            try {
                for (DomainInterface i : d.interfaceAddresses(ADDRESSES_FROM_LEASES, 0)) {
                    for (DomainInterface.InterfaceAddress a : i.addrs) {
                        addresses.add(a.address.getHostAddress() + "/" + a.prefixLength);
                    }
                }
            } catch (LibvirtException | RuntimeException e) {
                // no leases (no network, a driver without them): no addresses
            }
        }
        return new DomainStatus(name, ds.uuid(d).toString(), state(info.state), f.kboot(), f.type(), info.maxMem * 1024, info.nrVirtCpu, autostart,
                root.at("os/kernel").isPresent(), f.source().orElse(null), f.label().orElse(null),
                f.overlay().map(o -> o.pool() + "/" + o.volume()).orElse(null),
                f.agentSocket().map(Object::toString).orElse(null), f.consoleLog().map(Object::toString).orElse(null), addresses);
    }

    private static String state(DomainInfo.DomainState s) {
        return s == null ? "nostate" : s.name().substring("VIR_DOMAIN_".length()).toLowerCase(java.util.Locale.ROOT);
    }

    /** @return the lines {@code kboot libvirt status} prints */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(name + ": " + state + (kboot ? "" : " (not defined by kboot)"));
        out.add("  uuid:      " + uuid);
        out.add("  type:      " + type + ", " + cpus + " vCPUs, " + (memoryBytes >> 20) + " MiB" + (autostart ? ", autostart" : ""));
        Optional.ofNullable(source).ifPresent(s -> out.add("  " + (imageless ? "closure:   " : "image:     ") + s));
        Optional.ofNullable(label).ifPresent(s -> out.add("  label:     " + s));
        Optional.ofNullable(overlay).ifPresent(s -> out.add("  overlay:   " + s));
        Optional.ofNullable(agentSocket).ifPresent(s -> out.add("  agent:     " + s));
        Optional.ofNullable(consoleLog).ifPresent(s -> out.add("  console:   " + s));
        if (!addresses.isEmpty()) {
            out.add("  addresses: " + String.join(", ", addresses));
        }
        return out;
    }
}
