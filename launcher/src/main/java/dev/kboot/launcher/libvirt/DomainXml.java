package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.vm.BootPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Renders a {@link DomainSpec} as libvirt domain XML (https://libvirt.org/formatdomain.html): a
 * pure function, the one place the XML is written; and reads back what kboot needs from a
 * domain's XML (its agent socket, console log, writable share and kboot metadata).
 */
public final class DomainXml {
    /** The namespace of kboot's metadata element. */
    public static final String NAMESPACE = "https://kboot.dev/xmlns/libvirt/1";
    /** The metadata element's name with its prefix. */
    static final String METADATA = "kboot:domain";

    private DomainXml() {
    }

    /** @return the domain XML for {@code spec} */
    public static String render(DomainSpec spec) {
        return tree(spec).render();
    }

    /** @return the domain XML for {@code spec}, as a tree */
    public static Xml tree(DomainSpec spec) {
        long kib = spec.memoryBytes() / 1024;
        DomainSpec.Metadata m = spec.metadata();
        Xml meta = Xml.el(METADATA).attr("xmlns:kboot", NAMESPACE)
                .add(Xml.el("kboot:source").attr("path", m.source()))
                .add(m.label().isPresent() || m.toplevel().isPresent()
                        ? Xml.el("kboot:bootspec").attr("label", m.label().orElse(null)).attr("toplevel", m.toplevel().orElse(null)) : null)
                .add(Xml.el("kboot:state").attr("dir", m.stateDir()));

        // UEFI: OVMF by libvirt's firmware auto-selection, without Secure Boot: Debian's ovmf ranks
        // its Secure Boot build with Microsoft's keys enrolled first (40-edk2-x86_64-secure-enrolled.json),
        // which would refuse a NixOS image's unsigned systemd-boot or grub
        Xml os = Xml.el("os").attr("firmware", spec.firmware() == DomainSpec.Firmware.EFI ? "efi" : null)
                .add(Xml.text("type", "hvm").attr("arch", "x86_64").attr("machine", "q35"))
                .add(spec.firmware() == DomainSpec.Firmware.EFI
                        ? Xml.el("firmware").add(Xml.el("feature").attr("enabled", "no").attr("name", "secure-boot")) : null);
        if (spec.boot() instanceof DomainSpec.KernelBoot k) {
            os = os.add(Xml.text("kernel", k.kernel().toString()))
                    .add(k.initrd().map(i -> Xml.text("initrd", i.toString())).orElse(null))
                    .add(Xml.text("cmdline", k.cmdline()));
        } else {
            os = os.add(Xml.el("boot").attr("dev", "hd"));
        }

        List<Xml> devices = new ArrayList<>();
        if (spec.boot() instanceof DomainSpec.DiskBoot d) {
            devices.add(Xml.el("disk").attr("type", "volume").attr("device", "disk")
                    .add(Xml.el("driver").attr("name", "qemu").attr("type", "qcow2").attr("discard", "unmap"))
                    .add(Xml.el("source").attr("pool", d.pool()).attr("volume", d.volume()))
                    .add(Xml.el("target").attr("dev", "vda").attr("bus", "virtio")));
        }
        spec.network().ifPresent(net -> devices.add(Xml.el("interface").attr("type", "network")
                .add(Xml.el("mac").attr("address", spec.mac()))
                .add(Xml.el("source").attr("network", net))
                .add(Xml.el("model").attr("type", "virtio"))));
        for (DomainSpec.Filesystem f : spec.filesystems()) {
            // chroot: the sandbox that works for the legacy C virtiofsd in containers too (kboot run uses it);
            // the read-only store and modules never change under the guest: cache always
            Xml binary = Xml.el("binary").attr("path", f.binary().map(Path::toString).orElse(null))
                    .add(Xml.el("sandbox").attr("mode", "chroot"))
                    .add(f.readOnly() ? Xml.el("cache").attr("mode", "always") : null);
            devices.add(Xml.el("filesystem").attr("type", "mount").attr("accessmode", "passthrough")
                    .add(Xml.el("driver").attr("type", "virtiofs"))
                    .add(binary)
                    .add(Xml.el("source").attr("dir", f.source()))
                    .add(Xml.el("target").attr("dir", f.tag()))
                    .add(f.readOnly() && f.readonlyElement() ? Xml.el("readonly") : null));
        }
        devices.add(Xml.el("serial").attr("type", "pty")
                .add(Xml.el("log").attr("file", spec.consoleLog()).attr("append", "off"))
                .add(Xml.el("target").attr("port", 0)));
        devices.add(Xml.el("channel").attr("type", "unix")
                .add(Xml.el("source").attr("mode", "bind").attr("path", spec.agentSocket()))
                .add(Xml.el("target").attr("type", "virtio").attr("name", DomainSpec.AGENT_PORT)));
        devices.add(Xml.el("rng").attr("model", "virtio").add(Xml.text("backend", "/dev/urandom").attr("model", "random")));
        devices.add(Xml.el("panic").attr("model", "isa"));
        devices.add(Xml.el("memballoon").attr("model", "none"));

        return Xml.el("domain").attr("type", spec.type().xml())
                .add(Xml.text("name", spec.name()))
                .add(Xml.text("uuid", spec.uuid().toString()))
                .add(Xml.el("metadata").add(meta))
                .add(Xml.text("memory", Long.toString(kib)).attr("unit", "KiB"))
                .add(Xml.text("currentMemory", Long.toString(kib)).attr("unit", "KiB"))
                .add(spec.filesystems().isEmpty() ? null
                        : Xml.el("memoryBacking").add(Xml.el("source").attr("type", "memfd")).add(Xml.el("access").attr("mode", "shared")))
                .add(Xml.text("vcpu", Integer.toString(spec.cpus())).attr("placement", "static"))
                .add(os)
                .add(Xml.el("features").add(Xml.el("acpi"), Xml.el("apic")))
                .add(spec.type() == DomainSpec.Hypervisor.KVM ? Xml.el("cpu").attr("mode", "host-passthrough").attr("check", "none")
                        : Xml.el("cpu").attr("mode", "maximum").attr("check", "none"))
                .add(Xml.el("clock").attr("offset", "utc"))
                .add(Xml.text("on_poweroff", "destroy"))
                // imageless: panic=-1 reboots, and a reboot must end the run (as -no-reboot does for kboot run)
                .add(Xml.text("on_reboot", spec.imageless() ? "destroy" : "restart"))
                .add(Xml.text("on_crash", "destroy"))
                .add(Xml.el("devices").addAll(devices));
    }

    /**
     * What kboot reads from a domain's XML.
     *
     * @param agentSocket the unix socket of the {@value DomainSpec#AGENT_PORT} channel, if any
     * @param consoleLog  the serial console's log file, if any
     * @param sharedDir   the source of the writable share (tag {@code kboot-xfer}), if any
     * @param kboot       whether the domain carries kboot's metadata element (kboot made it)
     * @param label       the bootspec label kboot recorded
     * @param toplevel    the toplevel kboot recorded
     * @param source      the image or closure kboot recorded
     * @param stateDir    kboot's state directory for the domain
     * @param overlay     the overlay volume ({@code pool/volume}) of a disk domain, if any
     * @param type        libvirt's domain type ("kvm", "qemu", "test")
     */
    public record Facts(Optional<Path> agentSocket, Optional<Path> consoleLog, Optional<Path> sharedDir, boolean kboot,
                        Optional<String> label, Optional<String> toplevel, Optional<String> source, Optional<Path> stateDir,
                        Optional<DomainSpec.DiskBoot> overlay, String type) {
    }

    /** @return what kboot needs from a domain's XML (live or inactive) */
    public static Facts read(String domainXml) {
        Xml d = Xml.parse(domainXml);
        Xml devices = d.child("devices").orElse(Xml.el("devices"));
        Optional<Path> agent = devices.all("channel").stream()
                .filter(c -> c.at("target").flatMap(t -> t.attribute("name")).filter(DomainSpec.AGENT_PORT::equals).isPresent())
                .findFirst().flatMap(c -> c.at("source")).flatMap(s -> s.attribute("path")).map(Path::of);
        Optional<Path> log = devices.all("serial").stream().findFirst().flatMap(s -> s.at("log")).flatMap(l -> l.attribute("file")).map(Path::of);
        Optional<Path> shared = devices.all("filesystem").stream()
                .filter(f -> f.at("target").flatMap(t -> t.attribute("dir")).filter(BootPlan.XFER_TAG::equals).isPresent())
                .findFirst().flatMap(f -> f.at("source")).flatMap(s -> s.attribute("dir")).map(Path::of);
        Optional<Xml> meta = d.at("metadata").flatMap(m -> m.child(METADATA)
                .or(() -> m.children().stream().filter(c -> NAMESPACE.equals(namespaceOf(c))).findFirst()));
        Optional<DomainSpec.DiskBoot> overlay = devices.all("disk").stream()
                .filter(k -> "volume".equals(k.attrs().get("type")))
                .findFirst().flatMap(k -> k.at("source"))
                .filter(s -> s.attrs().containsKey("pool") && s.attrs().containsKey("volume"))
                .map(s -> new DomainSpec.DiskBoot(s.attrs().get("pool"), s.attrs().get("volume")));
        return new Facts(agent, log, shared, meta.isPresent(),
                meta.flatMap(m -> m.all(prefixOf(m) + "bootspec").stream().findFirst()).flatMap(b -> b.attribute("label")),
                meta.flatMap(m -> m.all(prefixOf(m) + "bootspec").stream().findFirst()).flatMap(b -> b.attribute("toplevel")),
                meta.flatMap(m -> m.all(prefixOf(m) + "source").stream().findFirst()).flatMap(b -> b.attribute("path")),
                meta.flatMap(m -> m.all(prefixOf(m) + "state").stream().findFirst()).flatMap(b -> b.attribute("dir")).map(Path::of),
                overlay, d.attribute("type").orElse("?"));
    }

    private static String namespaceOf(Xml x) {
        for (var e : x.attrs().entrySet()) {
            if (e.getKey().startsWith("xmlns")) {
                return e.getValue();
            }
        }
        return null;
    }

    /** libvirt keeps the metadata element's namespace but may rename its prefix. */
    private static String prefixOf(Xml x) {
        int colon = x.name().indexOf(':');
        return colon < 0 ? "" : x.name().substring(0, colon + 1);
    }
}
