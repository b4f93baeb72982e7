package dev.kboot.launcher.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code kboot libvirt apply} file: what it says, every bad input refused by key, and a dry apply changing nothing. */
class DeclarationTest {
    @TempDir
    Path tmp;

    Path file(String yaml) throws Exception {
        Path f = tmp.resolve("guests.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    void bad(String yaml, String key, String expected) throws Exception {
        KbootException e = assertThrows(KbootException.class, () -> Declaration.read(file(yaml)));
        assertEquals(ExitCode.DATA, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().startsWith(tmp.resolve("guests.yaml") + ": key '" + key + "': "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aDeclarationSaysWhatItDeclares() throws Exception {
        Declaration d = Declaration.read(file("""
                pools:
                  - name: kboot
                    path: images
                    volumes: [{name: scratch.qcow2, capacity: 1G}]
                networks:
                  - {name: lab, address: 192.168.150.1/24, state: running, restart: never}
                domains:
                  - name: vm1
                    source: ./result-image/nixos.qcow2
                    memory: 2G
                    network: lab
                    type: qemu
                    state: running
                    autostart: true
                  - {name: vm2, source: ./result, imageless: true, network: null}
                """));
        assertEquals(tmp.resolve("images"), d.pools().get(0).spec().path().orElseThrow());
        assertEquals(1L << 30, d.pools().get(0).spec().volumes().get(0).capacityBytes());
        assertEquals(Desired.Restart.NEVER, d.networks().get(0).desired().restart());
        assertTrue(d.networks().get(0).spec().xml().contains("<range start='192.168.150.2' end='192.168.150.254'/>"), d.networks().get(0).spec().xml());
        DomainRequest vm1 = d.domains().get(0).request();
        assertEquals(tmp.resolve("result-image/nixos.qcow2"), vm1.source());
        assertEquals(2L << 30, vm1.memoryBytes());
        assertEquals(Optional.of("lab"), vm1.network());
        assertEquals(DomainSpec.Hypervisor.QEMU, vm1.type());
        assertEquals(new Desired(Optional.of(Desired.State.RUNNING), Desired.Restart.IFCHANGED, Optional.of(true)), d.domains().get(0).desired());
        assertTrue(d.domains().get(1).request().imageless());
        assertEquals(Optional.empty(), d.domains().get(1).request().network());
        assertEquals(Identity.uuid("domain", "vm2"), d.domains().get(1).request().effectiveUuid());
    }

    @Test
    void everyBadValueIsRefusedNamingItsKey() throws Exception {
        bad("domain: []", "domain", "a known key (domains, networks, pools)");
        bad("domains: {name: x}", "domains", "a list");
        bad("domains: [{source: r}]", "domains[0].name", "it is required");
        bad("domains: [{name: x}]", "domains[0].source", "it is required");
        bad("domains: [{name: x, source: r, memory: lots}]", "domains[0].memory", "'lots' is not a size");
        bad("domains: [{name: x, source: r, cpus: many}]", "domains[0].cpus", "a number of vCPUs");
        bad("domains: [{name: x, source: r, state: paused}]", "domains[0].state", "expected running or stopped, found 'paused'");
        bad("domains: [{name: x, source: r, restart: sometimes}]", "domains[0].restart", "expected ifchanged, always or never");
        bad("domains: [{name: x, source: r, type: xen}]", "domains[0].type", "expected kvm or qemu");
        bad("domains: [{name: x, source: r, uuid: nope}]", "domains[0].uuid", "a UUID");
        bad("domains: [{name: x, source: r, autostart: maybe}]", "domains[0].autostart", "true or false");
        bad("domains: [{name: x, source: r, colour: blue}]", "domains[0].colour", "a known key");
        bad("domains: [{name: x, source: r}, {name: x, source: s}]", "domains[1].name", "not declared twice");
        bad("networks: [{name: n, address: 10.0.0.1}]", "networks[0].address", "with its prefix");
        bad("networks: [{name: n, address: 10.0.0.300/24}]", "networks[0].address", "an IPv4 address");
        bad("networks: [{name: n, forward: bridge}]", "networks[0].forward", "nat, route or none");
        bad("pools: [{name: p}]", "pools[0].path", "the directory of a directory pool");
        bad("pools: [{name: p, path: d, volumes: [{name: v}]}]", "pools[0].volumes[0].capacity", "it is required");
        bad("pools: [{name: p, path: d, volumes: [{name: v, capacity: 1G, format: vmdk}]}]", "pools[0].volumes[0].format", "qcow2 or raw");
        KbootException yaml = assertThrows(KbootException.class, () -> Declaration.read(file("domains: [\n")));
        assertEquals(ExitCode.DATA, yaml.exitCode());
        assertTrue(yaml.getMessage().contains("YAML or JSON"), yaml.getMessage());
        KbootException def = assertThrows(KbootException.class, () -> Declaration.read(file("networks: [{name: n, definition: net.xml}]")));
        assertEquals(ExitCode.NO_INPUT, def.exitCode());
        assertEquals(ExitCode.NO_INPUT, assertThrows(KbootException.class, () -> Declaration.read(tmp.resolve("absent.yaml"))).exitCode());
    }

    @Test
    void aDryApplyChangesNothing() throws Exception {
        Path image = tmp.resolve("nixos.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "256M").inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0);
        Declaration d = Declaration.read(file("""
                networks: [{name: lab, address: 192.168.150.1/24, state: running}]
                pools: [{name: kboot, path: pool, volumes: [{name: scratch.qcow2, capacity: 1G}]}]
                domains: [{name: vm1, source: nixos.qcow2, network: lab, pool: kboot, type: qemu, state: running}]
                """));
        Path node = Path.of(DeclarationTest.class.getResource("/libvirt/node.xml").toURI());
        try (LibvirtConnection c = LibvirtConnection.open("test://" + node)) {
            Reconciler r = new Reconciler(c, Duration.ofSeconds(5));
            List<Change> dry = Applier.apply(d, c, r, true, true);
            assertEquals(List.of("pool kboot: would be created, would be started", "volume kboot/scratch.qcow2: would be created",
                    "network lab: would be created, would be started", "domain vm1: would be created, would be started"),
                    dry.stream().map(Change::line).toList(), "a dry prune lists only kboot's domains: none here");
            assertThrows(KbootException.class, () -> c.call("lookup", () -> c.raw().storagePoolLookupByName("kboot")));
            assertThrows(KbootException.class, () -> c.call("lookup", () -> c.raw().networkLookupByName("lab")));
            assertTrue(new Domains(c).byName("vm1").isEmpty(), "a dry apply defines nothing");
            assertEquals(List.of("pool kboot: created, started", "volume kboot/scratch.qcow2: created", "network lab: created, started",
                    "domain vm1: created, started"), Applier.apply(d, c, r, true, false).stream().map(Change::line).toList());
            assertEquals(List.of("pool kboot: unchanged", "volume kboot/scratch.qcow2: unchanged", "network lab: unchanged",
                    "domain vm1: unchanged"), Applier.apply(d, c, r, true, false).stream().map(Change::line).toList());
        }
    }
}
