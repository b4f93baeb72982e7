package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.guest.AgentChannel;
import dev.kboot.launcher.process.Deadline;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.libvirt.Domain;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEventType;
import org.libvirt.event.LifecycleListener;

/**
 * Domain operations over one {@link LibvirtConnection}: look up, read the inactive definition,
 * start, stop (ACPI shutdown and the kboot agent's power-off, then destroy after a timeout),
 * undefine. Every handle is {@code free()}d by the caller through {@link #free}.
 */
public final class Domains {
    /** virDomainXMLFlags: VIR_DOMAIN_XML_INACTIVE. */
    static final int XML_INACTIVE = 2;
    /** virDomainUndefineFlagsValues (libvirt-domain.h). */
    static final int UNDEFINE_MANAGED_SAVE = 1, UNDEFINE_SNAPSHOTS_METADATA = 2, UNDEFINE_NVRAM = 4, UNDEFINE_KEEP_NVRAM = 8,
            UNDEFINE_CHECKPOINTS_METADATA = 16, UNDEFINE_TPM = 32, UNDEFINE_KEEP_TPM = 64;

    private final LibvirtConnection c;

    /** @param c the connection */
    public Domains(LibvirtConnection c) {
        this.c = c;
    }

    /** @return the domain with this UUID, if defined */
    public Optional<Domain> byUuid(UUID uuid) {
        return lookup("cannot look up domain " + uuid, () -> c.raw().domainLookupByUUIDString(uuid.toString()));
    }

    /** @return the domain named {@code name}, if defined */
    public Optional<Domain> byName(String name) {
        return lookup("cannot look up domain " + name, () -> c.raw().domainLookupByName(name));
    }

    /**
     * @return the domain named {@code name}
     * @throws KbootException 66 when there is none
     */
    public Domain require(String name) {
        return byName(name).orElseThrow(() -> new KbootException(dev.kboot.launcher.ExitCode.NO_INPUT,
                "no domain named " + name + " on " + c.uri() + "; kboot libvirt list shows the domains"));
    }

    private Optional<Domain> lookup(String what, LibvirtConnection.Call<Domain> call) {
        try {
            return Optional.of(call.run());
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
                return Optional.empty();
            }
            throw LibvirtErrors.of(what, e, c.uri());
        }
    }

    /** @return the domain's name */
    public String name(Domain d) {
        return c.call("cannot read a domain's name", d::getName);
    }

    /** @return the domain's UUID */
    public UUID uuid(Domain d) {
        return UUID.fromString(c.call("cannot read a domain's UUID", d::getUUIDString));
    }

    /** @return the domain's persistent (inactive) definition */
    public String inactiveXml(Domain d) {
        return c.call("cannot read the definition of " + name(d), () -> d.getXMLDesc(XML_INACTIVE));
    }

    /** @return the domain's live definition (the inactive one when it is not running) */
    public String liveXml(Domain d) {
        return c.call("cannot read the definition of " + name(d), () -> d.getXMLDesc(0));
    }

    /** @return whether the domain is running (or paused) */
    public boolean active(Domain d) {
        return c.call("cannot read the state of " + name(d), d::isActive) == 1;
    }

    /** Starts the domain. */
    public void start(Domain d) {
        c.run("cannot start domain " + name(d), d::create);
    }

    /**
     * Stops a running domain: asks it to shut down (ACPI, and the kboot agent's power-off when
     * its socket is on this host), waits up to {@code timeout}, then destroys it.
     *
     * @return true when the guest shut down by itself, false when it was destroyed
     */
    public boolean stop(Domain d, Duration timeout) throws InterruptedException {
        if (!active(d)) {
            return true;
        }
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        LifecycleListener l = (dom, event) -> {
            if (event.getType() == DomainEventType.STOPPED) {
                stopped.complete(null);
            }
            return 0;
        };
        c.run("cannot watch domain " + name(d), () -> d.addLifecycleListener(l));
        try {
            try {
                d.shutdown();
            } catch (LibvirtException e) {
                // no ACPI in the guest, or it stopped meanwhile: the agent or destroy will do
            }
            if (c.isLocal()) {
                DomainXml.read(liveXml(d)).agentSocket().ifPresent(Domains::agentPowerOff);
            }
            Deadline deadline = Deadline.in(timeout);
            while (!deadline.expired()) {
                try {
                    stopped.get(Math.min(1000, Math.max(1, deadline.remainingMillis(1000))), TimeUnit.MILLISECONDS);
                    return true;
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // the event may be missed: ask too
                }
                if (!active(d)) {
                    return true;
                }
            }
            destroy(d);
            return false;
        } finally {
            try {
                c.raw().removeLifecycleListener(l);
            } catch (LibvirtException e) {
                // the connection is closing
            }
        }
    }

    /** Destroys (powers off at once) a running domain; nothing when it is not running. */
    public void destroy(Domain d) {
        try {
            d.destroy();
        } catch (LibvirtException e) {
            if (e.getError() == null || e.getError().getCode() != Error.ErrorNumber.VIR_ERR_OPERATION_INVALID) {
                throw LibvirtErrors.of("cannot destroy domain " + name(d), e, c.uri());
            }
        }
    }

    /** Asks the kboot agent behind {@code socket} to power the guest off; best effort, bounded. */
    static void agentPowerOff(Path socket) {
        if (!Files.exists(socket)) {
            return;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            try (AgentChannel agent = new AgentChannel(ch, null)) {
                agent.powerOff();
            }
        } catch (IOException e) {
            // no agent: ACPI or destroy will do
        }
    }

    /**
     * Undefines a stopped domain.
     *
     * @param nvram whether its UEFI NVRAM goes too (else kept)
     * @param tpm   whether its TPM state goes too (else kept)
     */
    public void undefine(Domain d, boolean nvram, boolean tpm) {
        int[] tries = {
            UNDEFINE_MANAGED_SAVE | UNDEFINE_SNAPSHOTS_METADATA | UNDEFINE_CHECKPOINTS_METADATA
                    | (nvram ? UNDEFINE_NVRAM : UNDEFINE_KEEP_NVRAM) | (tpm ? UNDEFINE_TPM : UNDEFINE_KEEP_TPM),
            // libvirt before 8.9 knows no TPM flags
            UNDEFINE_MANAGED_SAVE | UNDEFINE_SNAPSHOTS_METADATA | UNDEFINE_CHECKPOINTS_METADATA | (nvram ? UNDEFINE_NVRAM : UNDEFINE_KEEP_NVRAM),
            // drivers without NVRAM or checkpoints (the test driver) know neither
            UNDEFINE_MANAGED_SAVE | UNDEFINE_SNAPSHOTS_METADATA,
        };
        LibvirtException first = null;
        for (int flags : tries) {
            try {
                d.undefine(flags);
                return;
            } catch (LibvirtException e) {
                if (e.getError() == null || e.getError().getCode() != Error.ErrorNumber.VIR_ERR_INVALID_ARG) {
                    throw LibvirtErrors.of("cannot undefine domain " + name(d), e, c.uri());
                }
                first = first == null ? e : first;
            }
        }
        throw LibvirtErrors.of("cannot undefine domain " + name(d), first, c.uri());
    }

    /** @return every defined domain (running and not), sorted by name; free them with {@link #free} */
    public List<Domain> all() {
        Domain[] ds = c.call("cannot list domains", () -> c.raw().listAllDomains(0));
        List<Domain> out = new ArrayList<>(List.of(ds));
        out.sort(java.util.Comparator.comparing(this::name));
        return out;
    }

    /** Frees libvirt handles (Domain, Network, StoragePool, StorageVol); never throws. */
    public static void free(Object... handles) {
        for (Object h : handles) {
            try {
                if (h instanceof Domain d) {
                    d.free();
                } else if (h instanceof org.libvirt.Network n) {
                    n.free();
                } else if (h instanceof org.libvirt.StoragePool p) {
                    p.free();
                } else if (h instanceof org.libvirt.StorageVol v) {
                    v.free();
                }
            } catch (LibvirtException e) {
                // freeing: nothing to report
            }
        }
    }
}
