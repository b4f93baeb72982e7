package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.guest.GuestTarget;
import dev.kboot.launcher.vm.GuestFacts;
import dev.kboot.launcher.vm.VmOptions;
import java.time.Duration;

/**
 * A libvirt domain as what the harness runs on ({@code kboot test --libvirt NAME}, {@code kboot
 * run --libvirt NAME -- CMD}): opening it starts the domain, or attaches to it when it runs,
 * and waits for its agent.
 *
 * @param uri  the libvirt URI
 * @param name the domain
 */
public record LibvirtTarget(String uri, String name) implements GuestTarget {

    /** @return what kboot recorded in the domain and what libvirt says of it (the kernel's facts come from the guest) */
    @Override
    public GuestFacts facts() {
        try (LibvirtConnection c = LibvirtConnection.open(uri)) {
            Domains domains = new Domains(c);
            var dom = domains.require(name);
            try {
                return DomainMachine.guestFacts(c, name, DomainXml.read(domains.inactiveXml(dom)));
            } finally {
                Domains.free(dom);
            }
        }
    }

    /**
     * @throws dev.kboot.launcher.KbootException 66 when the domain does not exist, 69 when kboot
     *         cannot reach its agent, 255 when it crashes first
     */
    @Override
    public Guest open(VmOptions options, Duration agentWait) {
        DomainMachine m = DomainMachine.open(LibvirtConnection.open(uri), name, options, true);
        return Guest.attach(m, options, agentWait);
    }
}
