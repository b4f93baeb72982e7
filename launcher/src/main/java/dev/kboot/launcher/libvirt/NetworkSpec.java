package dev.kboot.launcher.libvirt;

import java.util.Optional;
import java.util.UUID;

/**
 * A libvirt network kboot defines ({@code apply}): either from kboot's few fields (a NAT or
 * isolated bridge with DHCP) or from a whole definition the user wrote. Rendered to libvirt's
 * network XML (https://libvirt.org/formatnetwork.html) by {@link #xml()}; the bridge name and
 * MAC are derived from the UUID when not given, so that a redefine does not look changed.
 *
 * @param name       the network's name
 * @param uuid       its UUID
 * @param definition the user's own definition (its name and UUID are set to these), or empty
 * @param forward    "nat", "route" or "none" (isolated)
 * @param bridge     the bridge device, or empty for "kb" and 8 hex digits of the UUID
 * @param address    the host's address on it with its prefix ("192.168.150.1/24"), or empty for none
 * @param dhcp       whether guests get addresses by DHCP (the rest of the address's subnet)
 */
public record NetworkSpec(String name, UUID uuid, Optional<Xml> definition, String forward, Optional<String> bridge,
                          Optional<String> address, boolean dhcp) {

    /** @return the network XML */
    public String xml() {
        Xml meta = Xml.el("metadata").add(Xml.el("kboot:network").attr("xmlns:kboot", DomainXml.NAMESPACE));
        if (definition.isPresent()) {
            Xml d = definition.get().identified(name, uuid);
            if (d.child("metadata").isEmpty()) {
                return d.add(meta).render();
            }
            return d.withChildren(d.children().stream().map(c -> c.name().equals("metadata") ? c.add(meta.children().get(0)) : c).toList()).render();
        }
        Xml n = Xml.el("network").add(Xml.text("name", name), Xml.text("uuid", uuid.toString()), meta);
        if (!forward.equals("none")) {
            n = n.add(Xml.el("forward").attr("mode", forward));
        }
        n = n.add(Xml.el("bridge").attr("name", bridge.orElse("kb" + uuid.toString().substring(0, 8))).attr("stp", "on").attr("delay", "0"))
                .add(Xml.el("mac").attr("address", Identity.mac(uuid, 0)));
        if (address.isPresent()) {
            String[] parts = address.get().split("/");
            int prefix = Integer.parseInt(parts[1]);
            Xml ip = Xml.el("ip").attr("address", parts[0]).attr("prefix", prefix);
            if (dhcp) {
                long host = ipv4(parts[0]);
                long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
                long net = host & mask;
                long last = net | (~mask & 0xffffffffL);
                long start = host + 1 <= last - 1 ? host + 1 : net + 1;
                ip = ip.add(Xml.el("dhcp").add(Xml.el("range").attr("start", dotted(start)).attr("end", dotted(last - 1))));
            }
            n = n.add(ip);
        }
        return n.render();
    }

    /**
     * @return "a.b.c.d" parsed
     * @throws IllegalArgumentException when it is not an IPv4 address
     */
    static long ipv4(String a) {
        String[] p = a.split("\\.");
        if (p.length != 4) {
            throw new IllegalArgumentException("expected an IPv4 address, found '" + a + "'");
        }
        long v = 0;
        for (String s : p) {
            int o = Integer.parseInt(s);
            if (o < 0 || o > 255) {
                throw new IllegalArgumentException("expected an IPv4 address, found '" + a + "'");
            }
            v = v << 8 | o;
        }
        return v;
    }

    private static String dotted(long v) {
        return (v >> 24 & 255) + "." + (v >> 16 & 255) + "." + (v >> 8 & 255) + "." + (v & 255);
    }
}
