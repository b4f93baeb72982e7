package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import dev.kboot.launcher.libvirt.LibvirtConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kboot libvirt} in-process on libvirt's test driver ({@code test:///default}: state shared
 * by this JVM, so every test uses its own names; its pool is {@code default-pool}): the commands'
 * output and JSON, and every new option fed its bad input.
 */
class LibvirtCommandTest {
    static final String URI = "test:///default";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path image;
    /** test:///default's state lives while a connection to it is open: this one, for the whole class. */
    static LibvirtConnection keep;

    @BeforeAll
    static void image() throws Exception {
        keep = LibvirtConnection.open(URI);
        image = tmp.resolve("nixos.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "128M").inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0);
    }

    @AfterAll
    static void release() {
        keep.close();
    }

    static String name() {
        return "cli-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Cli libvirt(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "libvirt";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--connect";
        all[args.length + 2] = URI;
        return Cli.run(all);
    }

    static void oneLineError(Cli r, int code, String contains) {
        assertEquals(code, r.code(), r.err());
        assertTrue(r.err().contains(contains), r.err());
        assertTrue(r.err().startsWith("kboot: "), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void defineStatusListAndUndefine() throws Exception {
        String n = name();
        Cli first = libvirt("define", image.toString(), "--name", n, "--pool", "default-pool", "--type", "qemu", "--network", "none", "--state", "running");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().startsWith("domain " + n + ": created, started\n"), first.out());
        Cli again = libvirt("define", image.toString(), "--name", n, "--pool", "default-pool", "--type", "qemu", "--network", "none", "--json");
        JsonNode changes = JSON.readTree(again.out());
        assertEquals("unchanged", changes.get(0).path("actions").get(0).asText(), again.out());
        JsonNode status = JSON.readTree(libvirt("status", n, "--json").out());
        assertEquals("running", status.path("state").asText());
        assertTrue(status.path("kboot").asBoolean());
        assertEquals(image.toRealPath().toString(), status.path("source").asText());
        assertTrue(status.path("overlay").asText().startsWith("default-pool/" + n + "-"), status.toString());
        assertTrue(libvirt("list").out().lines().anyMatch(l -> l.startsWith(n + " ") && l.contains("running") && l.contains(" yes ")));
        Cli stop = libvirt("stop", n, "--timeout", "2s");
        assertEquals(0, stop.code(), stop.err());
        assertTrue(stop.out().startsWith("domain " + n + ": stopped"), stop.out());
        Cli undefine = libvirt("undefine", n, "--remove-storage");
        assertEquals(0, undefine.code(), undefine.err());
        assertTrue(undefine.out().contains("volume default-pool/" + n + "-"), undefine.out());
        oneLineError(libvirt("status", n), 66, "no domain named " + n);
    }

    /** @return the domain's inactive definition, read with libvirt-java in this JVM (test:///default's state is the process's) */
    static String inactiveXml(String name) throws Exception {
        org.libvirt.Connect c = new org.libvirt.Connect(URI, true);
        try {
            org.libvirt.Domain d = c.domainLookupByName(name);
            try {
                return d.getXMLDesc(org.libvirt.Domain.XMLFlags.INACTIVE);
            } finally {
                d.free();
            }
        } finally {
            c.close();
        }
    }

    @Test
    void anImagelessTcgDomainGetsTheTcgTimerFixAndAKvmOneDoesNot() {
        KbootProcess.assertSampleExists();
        String[] args = {"define", KbootProcess.SAMPLE.toString(), "--imageless", "--name", name(), "--type", "qemu", "--dry-run"};
        Cli tcg = libvirt(args);
        assertEquals(0, tcg.code(), tcg.err());
        assertTrue(tcg.out().matches("(?s).*<cmdline>[^<]* panic=-1 no_timer_check</cmdline>.*"), tcg.out());
        args[6] = "kvm";
        Cli kvm = libvirt(args);
        assertEquals(0, kvm.code(), kvm.err());
        assertTrue(kvm.out().contains("<cmdline>") && !kvm.out().contains("no_timer_check"), kvm.out());
    }

    @Test
    void uefiWhenAskedIsDefinedIdempotentlyAndChangesBackToBios() throws Exception {
        String n = name();
        String[] efi = {"define", image.toString(), "--name", n, "--pool", "default-pool", "--type", "qemu", "--network", "none", "--firmware", "efi"};
        Cli dry = libvirt(concat(efi, "--dry-run"));
        assertTrue(dry.out().contains("<os firmware='efi'>") && dry.out().contains("<acpi/>"), "OVMF by libvirt's firmware auto-selection, which needs ACPI: " + dry.out());
        Cli first = libvirt(efi);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().startsWith("domain " + n + ": created\n"), first.out());
        assertTrue(inactiveXml(n).contains("<os firmware='efi'>"), inactiveXml(n));
        assertEquals("domain " + n + ": unchanged\n", libvirt(efi).out(), "uefi is the same as efi");
        efi[efi.length - 1] = "uefi";
        assertEquals("domain " + n + ": unchanged\n", libvirt(efi).out());
        efi[efi.length - 1] = "bios";
        Cli bios = libvirt(efi);
        assertEquals(0, bios.code(), bios.err());
        assertTrue(bios.out().startsWith("domain " + n + ": updated"), bios.out());
        assertFalse(inactiveXml(n).contains("firmware="), inactiveXml(n));
        Cli undefine = libvirt("undefine", n, "--remove-storage", "--nvram");
        assertEquals(0, undefine.code(), undefine.err());
    }

    static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void aDryRunPrintsTheDefinitionAndDefinesNothing() {
        String n = name();
        Cli dry = libvirt("define", image.toString(), "--name", n, "--pool", "default-pool", "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("<name>" + n + "</name>") && dry.out().contains("<backingStore>"), dry.out());
        assertTrue(dry.out().contains("domain " + n + ": would be created"), dry.out());
        oneLineError(libvirt("status", n), 66, "no domain named");
    }

    @Test
    void everyNewOptionRefusesItsBadInput() throws Exception {
        String img = image.toString();
        oneLineError(libvirt("define", img, "--name", "x", "--type", "xen"), 64, "--type xen: expected kvm or qemu");
        oneLineError(libvirt("define", img, "--name", "x", "--firmware", "coreboot"), 64, "--firmware coreboot: expected bios or efi");
        oneLineError(libvirt("define", img, "--name", "x", "--state", "paused"), 64, "--state paused: expected running or stopped");
        oneLineError(libvirt("define", img, "--name", "x", "--restart", "sometimes"), 64, "--restart sometimes: expected ifchanged, always or never");
        oneLineError(libvirt("define", img, "--name", "x", "--uuid", "nope"), 64, "--uuid nope");
        oneLineError(libvirt("define", img, "--name", "x", "--memory", "lots"), 64, "--memory: 'lots' is not a size");
        oneLineError(libvirt("define", img, "--name", "x", "--stop-timeout", "soon"), 64, "--stop-timeout: 'soon' is not a duration");
        oneLineError(libvirt("define", img, "--name", "../x"), 64, "--name ../x: expected 1 to 63 letters");
        oneLineError(libvirt("define", img, "--name", "x", "--kernel", img), 64, "go with --imageless");
        oneLineError(libvirt("define", tmp.resolve("absent.qcow2").toString(), "--name", "x"), 66, "image or closure not found");
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        oneLineError(libvirt("define", empty.toString(), "--name", "x"), 66, "disk image");
        oneLineError(libvirt("define", img, "--name", "x", "--pool", "nope"), 66, "[VIR_ERR_NO_STORAGE_POOL]");
        oneLineError(Cli.run("libvirt", "list", "--connect", "no scheme"), 64, "cannot connect to no scheme: internal error: Unable to parse URI no scheme");
        oneLineError(libvirt("apply", tmp.resolve("absent.yaml").toString()), 66, "declaration not found");
        oneLineError(libvirt("stop", "x", "--timeout", "soon"), 64, "--timeout: 'soon' is not a duration");
        oneLineError(Cli.run("test", "--libvirt", "x", "--suite", "command:smoke", KbootProcess.SAMPLE.toString()), 64, "RESULT and --libvirt exclude each other");
        oneLineError(Cli.run("run", KbootProcess.SAMPLE.toString(), "--connect", URI, "--dry-run"), 64, "--connect goes with --libvirt");
        oneLineError(Cli.run("run", "--libvirt", "x", "--connect", URI, "--dry-run"), 64, "--dry-run with --libvirt");
        oneLineError(Cli.run("test", "--libvirt", "nope", "--connect", URI, "--suite", "command:smoke", "--results", tmp.resolve("r").toString()), 66,
                "no domain named nope");
        oneLineError(Cli.run("run", "--libvirt", "nope", "--connect", URI, "--", "true"), 66, "no domain named nope");
    }

    @Test
    void aDomainOnAnotherHostOrWithoutTheAgentChannelIsRefusedForCommands() throws Exception {
        // test:///default's own domain "test" has no kboot agent channel
        oneLineError(Cli.run("run", "--libvirt", "test", "--connect", URI, "--", "true"), 69, "no virtio-serial channel named org.kboot.agent");
        String n = name();
        assertEquals(0, libvirt("define", image.toString(), "--name", n, "--pool", "default-pool", "--network", "none").code());
        oneLineError(Cli.run("run", "--libvirt", n, "--connect", URI, "--", "true"), 69, "is not on this host");
        oneLineError(libvirt("console", n), 69, "not here");
        assertEquals(0, libvirt("undefine", n, "--remove-storage").code());
        Files.deleteIfExists(tmp.resolve("r"));
    }
}
