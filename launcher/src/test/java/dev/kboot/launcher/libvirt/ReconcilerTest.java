package dev.kboot.launcher.libvirt;

import static dev.kboot.launcher.libvirt.Change.Action.CREATED;
import static dev.kboot.launcher.libvirt.Change.Action.DELETED;
import static dev.kboot.launcher.libvirt.Change.Action.RESTARTED;
import static dev.kboot.launcher.libvirt.Change.Action.STARTED;
import static dev.kboot.launcher.libvirt.Change.Action.STOPPED;
import static dev.kboot.launcher.libvirt.Change.Action.UNCHANGED;
import static dev.kboot.launcher.libvirt.Change.Action.UPDATED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Domain;

/**
 * The define/apply rules on libvirt's in-process test driver, a fresh copy of
 * src/test/resources/libvirt/node.xml per test (a pool "default", the network "default", and a
 * running domain "not-kboots" that kboot did not make). Nothing runs; libvirt's own parser,
 * defaults and state machine answer.
 */
class ReconcilerTest {
    @TempDir
    Path tmp;
    LibvirtConnection c;
    Reconciler r;
    Path image;

    @BeforeEach
    void connect() throws Exception {
        Path node = Path.of(ReconcilerTest.class.getResource("/libvirt/node.xml").toURI());
        c = LibvirtConnection.open("test://" + node);
        r = new Reconciler(c, Duration.ofSeconds(5));
        image = tmp.resolve("nixos.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "256M").inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "qemu-img create");
    }

    @AfterEach
    void close() {
        c.close();
    }

    DomainPlanner.DomainPlan plan(String name, long memory) {
        DomainRequest req = DomainRequest.of(image, name).withMemory(memory).withType(DomainSpec.Hypervisor.QEMU);
        return DomainPlanner.plan(req, DomainPlanner.Host.of(c));
    }

    static Desired running(Desired.Restart restart) {
        return new Desired(Optional.of(Desired.State.RUNNING), restart, Optional.empty());
    }

    String inactiveXml(String name) {
        Domains ds = new Domains(c);
        Domain d = ds.require(name);
        try {
            return ds.inactiveXml(d);
        } finally {
            Domains.free(d);
        }
    }

    boolean active(String name) {
        Domains ds = new Domains(c);
        Domain d = ds.require(name);
        try {
            return ds.active(d);
        } finally {
            Domains.free(d);
        }
    }

    @Test
    void definingTwiceCreatesThenLeavesUnchanged() throws Exception {
        Change first = r.domain(plan("vm1", 1L << 30), Desired.leave(), false);
        assertEquals(List.of(CREATED), first.actions());
        String real = image.toRealPath().toString();
        assertTrue(first.notes().stream().anyMatch(n -> n.startsWith("volume default/vm1-") && n.contains(real)), first.notes().toString());
        Change second = r.domain(plan("vm1", 1L << 30), Desired.leave(), false);
        assertEquals(List.of(UNCHANGED), second.actions(), second.diff().toString());
        assertEquals(List.of(), second.diff());
        // the pinned MAC and the UUID survived the redefine
        DomainXml.Facts f = DomainXml.read(inactiveXml("vm1"));
        assertTrue(f.kboot());
        assertTrue(inactiveXml("vm1").contains(Identity.mac(Identity.uuid("domain", "vm1"), 0)));
    }

    @Test
    void aChangedMemorySizeIsAnUpdateAndRestartsARunningDomainOnlyWhenThePolicySays() throws Exception {
        assertEquals(List.of(CREATED, STARTED), r.domain(plan("vm1", 1L << 30), running(Desired.Restart.IFCHANGED), false).actions());
        assertTrue(active("vm1"));
        Change never = r.domain(plan("vm1", 2L << 30), running(Desired.Restart.NEVER), false);
        assertEquals(List.of(UPDATED), never.actions());
        assertTrue(never.diff().stream().anyMatch(l -> l.startsWith("- ") && l.contains("1048576")), never.diff().toString());
        assertTrue(never.diff().stream().anyMatch(l -> l.startsWith("+ ") && l.contains("2097152")), never.diff().toString());
        Change ifchanged = r.domain(plan("vm1", 3L << 30), running(Desired.Restart.IFCHANGED), false);
        assertEquals(List.of(UPDATED, RESTARTED), ifchanged.actions());
        assertTrue(active("vm1"));
        assertEquals(List.of(UNCHANGED), r.domain(plan("vm1", 3L << 30), running(Desired.Restart.IFCHANGED), false).actions());
        assertEquals(List.of(UNCHANGED, RESTARTED), r.domain(plan("vm1", 3L << 30), running(Desired.Restart.ALWAYS), false).actions());
        Change stop = r.domain(plan("vm1", 3L << 30), new Desired(Optional.of(Desired.State.STOPPED), Desired.Restart.IFCHANGED, Optional.empty()), false);
        assertEquals(List.of(UNCHANGED, STOPPED), stop.actions());
        assertFalse(active("vm1"));
    }

    @Test
    void aNameHeldByAnotherUuidIsRefused() {
        KbootException e = assertThrows(KbootException.class, () -> r.domain(plan("not-kboots", 1L << 30), Desired.leave(), false));
        assertEquals(ExitCode.REFUSED, e.exitCode());
        assertTrue(e.getMessage().contains("domain name not-kboots is held by UUID 4dea22b3-1d52-d8f3-2516-782e98ab3fa0"), e.getMessage());
        // the same name under a new UUID, and a known UUID under a new name
        UUID other = UUID.fromString("0e6a2b6e-5c1d-4f0a-9a52-3c7e1b2d4f60");
        assertEquals(List.of(CREATED), assertDoesNotThrow(() -> r.domain(plan("vm1", 1L << 30), Desired.leave(), false)).actions());
        DomainRequest taken = DomainRequest.of(image, "vm1").withUuid(other).withType(DomainSpec.Hypervisor.QEMU);
        assertEquals(ExitCode.REFUSED, assertThrows(KbootException.class,
                () -> r.domain(DomainPlanner.plan(taken, DomainPlanner.Host.of(c)), Desired.leave(), false)).exitCode());
        DomainRequest renamed = DomainRequest.of(image, "vm2").withUuid(Identity.uuid("domain", "vm1")).withType(DomainSpec.Hypervisor.QEMU);
        KbootException rename = assertThrows(KbootException.class, () -> r.domain(DomainPlanner.plan(renamed, DomainPlanner.Host.of(c)), Desired.leave(), false));
        assertTrue(rename.getMessage().contains("cannot rename"), rename.getMessage());
    }

    static <T> T assertDoesNotThrow(java.util.concurrent.Callable<T> c) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(c::call);
    }

    @Test
    void pruneDeletesOnlyUndeclaredDomainsCarryingKbootsMark() throws Exception {
        r.domain(plan("keep", 1L << 30), Desired.leave(), false);
        r.domain(plan("gone", 1L << 30), running(Desired.Restart.IFCHANGED), false);
        List<Change> dry = r.prune(Set.of(Identity.uuid("domain", "keep")), true);
        assertEquals(List.of("gone"), dry.stream().map(Change::name).toList());
        assertTrue(active("gone"), "a dry prune deletes nothing");
        List<Change> pruned = r.prune(Set.of(Identity.uuid("domain", "keep")), false);
        assertEquals(List.of("gone"), pruned.stream().map(Change::name).toList());
        assertEquals(List.of(DELETED), pruned.get(0).actions());
        assertTrue(pruned.get(0).notes().stream().anyMatch(n -> n.startsWith("volume default/gone-") && n.endsWith("deleted")), pruned.get(0).notes().toString());
        Domains ds = new Domains(c);
        assertTrue(ds.byName("gone").isEmpty());
        ds.byName("keep").ifPresent(Domains::free);
        assertTrue(active("not-kboots"), "a domain without kboot's element is never touched");
    }

    @Test
    void aDryRunChangesNothing() throws Exception {
        Change dry = r.domain(plan("vm1", 1L << 30), running(Desired.Restart.IFCHANGED), true);
        assertEquals(List.of(CREATED, STARTED), dry.actions());
        assertTrue(dry.dryRun());
        assertTrue(new Domains(c).byName("vm1").isEmpty(), "a dry run defines nothing");
        r.domain(plan("vm1", 1L << 30), running(Desired.Restart.IFCHANGED), false);
        String before = inactiveXml("vm1");
        assertEquals(List.of(UNCHANGED), r.domain(plan("vm1", 1L << 30), running(Desired.Restart.IFCHANGED), true).actions());
        Change changed = r.domain(plan("vm1", 2L << 30), running(Desired.Restart.IFCHANGED), true);
        assertEquals(List.of(UPDATED, RESTARTED), changed.actions());
        assertTrue(changed.diff().stream().anyMatch(l -> l.startsWith("+ ") && l.contains("2097152")), changed.diff().toString());
        assertEquals(before, inactiveXml("vm1"), "a dry run redefines nothing");
    }

    @Test
    void aNewImageGetsANewOverlayAndTheOldOneGoes() throws Exception {
        r.domain(plan("vm1", 1L << 30), Desired.leave(), false);
        String old = DomainXml.read(inactiveXml("vm1")).overlay().orElseThrow().volume();
        Path newer = tmp.resolve("newer.qcow2");
        Files.copy(image, newer);
        image = newer;
        Change c2 = r.domain(plan("vm1", 1L << 30), Desired.leave(), false);
        assertEquals(List.of(UPDATED), c2.actions());
        assertTrue(c2.notes().contains("old overlay default/" + old + " deleted"), c2.notes().toString());
        assertFalse(DomainXml.read(inactiveXml("vm1")).overlay().orElseThrow().volume().equals(old));
    }

    @Test
    void aNetworkIsDefinedOnceAndItsChangeRestartsTheDomainsOnIt() throws Exception {
        NetworkSpec net = new NetworkSpec("kbnet", Identity.uuid("network", "kbnet"), Optional.empty(), "nat", Optional.empty(),
                Optional.of("192.168.150.1/24"), true);
        Desired active = running(Desired.Restart.IFCHANGED);
        assertEquals(List.of(CREATED, STARTED), r.network(net, active, false).get(0).actions());
        assertEquals(List.of(UNCHANGED), r.network(net, active, false).get(0).actions());
        DomainRequest onNet = DomainRequest.of(image, "vm1").withNetwork(Optional.of("kbnet")).withType(DomainSpec.Hypervisor.QEMU);
        r.domain(DomainPlanner.plan(onNet, DomainPlanner.Host.of(c)), active, false);
        NetworkSpec moved = new NetworkSpec("kbnet", net.uuid(), Optional.empty(), "nat", Optional.empty(), Optional.of("192.168.160.1/24"), true);
        List<Change> changes = r.network(moved, active, false);
        assertEquals(List.of(UPDATED, RESTARTED), changes.get(0).actions());
        assertEquals(List.of("vm1"), changes.subList(1, changes.size()).stream().map(Change::name).toList());
        assertEquals(List.of(RESTARTED), changes.get(1).actions());
        assertTrue(active("vm1"));
    }

    @Test
    void libvirtErrorsAreOneLineWithTheirCodeAndAHint() throws IOException {
        KbootException pool = assertThrows(KbootException.class,
                () -> r.domain(DomainPlanner.plan(DomainRequest.of(image, "vm1").withPool("nope"), DomainPlanner.Host.of(c)), Desired.leave(), false));
        assertEquals(ExitCode.NO_INPUT, pool.exitCode());
        assertTrue(pool.getMessage().contains("[VIR_ERR_NO_STORAGE_POOL]") && pool.getMessage().contains("pool-define-as"), pool.getMessage());
        assertFalse(pool.getMessage().contains("\n"));
        KbootException daemon = assertThrows(KbootException.class,
                () -> LibvirtConnection.open("qemu+unix:///system?socket=" + tmp.resolve("no-daemon.sock")));
        assertEquals(ExitCode.UNAVAILABLE, daemon.exitCode());
        assertTrue(daemon.getMessage().contains("is libvirtd running?"), daemon.getMessage());
        assertEquals(ExitCode.USAGE, assertThrows(KbootException.class, () -> LibvirtConnection.open("no scheme")).exitCode());
    }
}
