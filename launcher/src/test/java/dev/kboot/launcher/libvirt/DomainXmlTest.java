package dev.kboot.launcher.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The one domain template, pinned, and what kboot reads back from a domain's XML. */
class DomainXmlTest {
    static final UUID UUID1 = Identity.uuid("domain", "vm1");
    static final Path STATE = Path.of("/var/lib/kboot/libvirt/vm1");

    static DomainSpec disk() {
        return new DomainSpec("vm1", UUID1, DomainSpec.Hypervisor.QEMU, 1L << 30, 2, DomainSpec.Firmware.BIOS,
                new DomainSpec.DiskBoot("default", "vm1-0a1b2c3d.qcow2"), Optional.of("default"), Identity.mac(UUID1, 0),
                STATE.resolve("agent.sock"), STATE.resolve("console.log"),
                List.of(new DomainSpec.Filesystem("kboot-xfer", STATE.resolve("xfer"), false, Optional.empty(), false)),
                new DomainSpec.Metadata(Path.of("/nix/store/aaaa-nixos-image/nixos.qcow2"), Optional.of("NixOS 24.05"),
                        Optional.of("/nix/store/bbbb-nixos-system"), STATE));
    }

    static DomainSpec imageless() {
        Path wrapper = STATE.resolve("virtiofsd-ro");
        return new DomainSpec("vm1", UUID1, DomainSpec.Hypervisor.KVM, 2L << 30, 4, DomainSpec.Firmware.EFI,
                new DomainSpec.KernelBoot(Path.of("/nix/store/cccc-linux/bzImage"), Optional.of(Path.of("/nix/store/dddd-initrd/initrd")),
                        "loglevel=4 root=tmpfs console=ttyS0,115200 init=/nix/store/bbbb-nixos-system/init panic=-1"),
                Optional.empty(), Identity.mac(UUID1, 0), STATE.resolve("agent.sock"), STATE.resolve("console.log"),
                List.of(new DomainSpec.Filesystem("store", Path.of("/nix/store"), true, Optional.of(wrapper), false),
                        new DomainSpec.Filesystem("modules", Path.of("/nix/store/cccc-linux/lib/modules"), true, Optional.empty(), true)),
                new DomainSpec.Metadata(Path.of("/nix/store/bbbb-nixos-system"), Optional.empty(), Optional.empty(), STATE));
    }

    static String resource(String name) throws IOException {
        try (InputStream in = DomainXmlTest.class.getResourceAsStream("/libvirt/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aDiskDomainRendersAsPinned() throws IOException {
        assertEquals(resource("domain-disk.xml"), DomainXml.render(disk()));
    }

    @Test
    void anImagelessDomainRendersAsPinned() throws IOException {
        assertEquals(resource("domain-imageless.xml"), DomainXml.render(imageless()));
    }

    @Test
    void whatKbootRendersItReadsBack() {
        DomainXml.Facts f = DomainXml.read(DomainXml.render(disk()));
        assertEquals(Optional.of(STATE.resolve("agent.sock")), f.agentSocket());
        assertEquals(Optional.of(STATE.resolve("console.log")), f.consoleLog());
        assertEquals(Optional.of(STATE.resolve("xfer")), f.sharedDir());
        assertTrue(f.kboot());
        assertEquals(Optional.of("NixOS 24.05"), f.label());
        assertEquals(Optional.of(new DomainSpec.DiskBoot("default", "vm1-0a1b2c3d.qcow2")), f.overlay());
        assertEquals("qemu", f.type());
        assertEquals(Optional.empty(), DomainXml.read(DomainXml.render(imageless())).sharedDir());
    }

    @Test
    void aDomainWithoutKbootsElementIsNotKboots() {
        DomainXml.Facts f = DomainXml.read("<domain type='kvm'><name>x</name><metadata><other xmlns='urn:x'/></metadata><devices/></domain>");
        assertFalse(f.kboot());
        assertEquals(Optional.empty(), f.agentSocket());
    }

    @Test
    void identitiesAreStableAndDistinct() {
        assertEquals(Identity.uuid("domain", "vm1"), Identity.uuid("domain", "vm1"));
        assertFalse(Identity.uuid("domain", "vm1").equals(Identity.uuid("network", "vm1")));
        assertEquals(5, Identity.uuid("domain", "vm1").version());
        // RFC 9562 appendix A.4's example: the v5 UUID of www.example.com in the DNS namespace
        assertEquals(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"),
                Identity.v5(UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "www.example.com"));
        assertTrue(Identity.mac(UUID1, 0).matches("52:54:00(:[0-9a-f]{2}){3}"));
        assertFalse(Identity.mac(UUID1, 0).equals(Identity.mac(UUID1, 1)));
    }

    @Test
    void normalisingIgnoresWhitespaceAttributeAndDeviceOrder() {
        Xml a = Xml.parse("<domain><name> x </name><devices><disk a='1' b='2'/><serial/></devices></domain>");
        Xml b = Xml.parse("<domain>\n  <name>x</name>\n  <devices>\n    <serial/>\n    <disk b='2' a='1'/>\n  </devices>\n</domain>");
        assertEquals(a.normalised().render(), b.normalised().render());
        Xml c = Xml.parse("<domain><name>x</name><devices><disk a='1' b='3'/><serial/></devices></domain>");
        assertFalse(a.normalised().render().equals(c.normalised().render()));
        assertEquals(List.of(), Xml.diff(a.normalised().render(), b.normalised().render()));
        assertTrue(Xml.diff(a.normalised().render(), c.normalised().render()).contains("+     <disk a='1' b='3'/>"));
    }

    @Test
    void aDefinitionLibvirtFilledInCoversKbootsOwn() {
        Xml mine = Xml.parse("<domain type='qemu'><os><type machine='q35'>hvm</type></os><devices><serial type='pty'/></devices></domain>");
        Xml theirs = Xml.parse("<domain type='qemu' id='3'><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>"
                + "<devices><controller type='pci'/><serial type='pty'><target port='0'/></serial></devices></domain>");
        assertTrue(Xml.covers(theirs.normalised(), mine.normalised()));
        Xml changed = Xml.parse("<domain type='kvm'><os><type machine='q35'>hvm</type></os><devices><serial type='pty'/></devices></domain>");
        assertFalse(Xml.covers(theirs.normalised(), changed.normalised()));
    }
}
