package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real libvirtd (started by the test when it is not running, as there is no
 * systemd here) with {@code --type qemu} (TCG): the sample disk image and the sample closure
 * (imageless, over virtiofs) as kboot domains, through the real bin/kboot. Every domain, volume,
 * pool, directory and daemon a test run makes is removed at its end, pass or fail; names carry
 * this run's pid and a random part.
 */
class LibvirtIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path IMAGE = KbootProcess.REPO.resolve(".cache/sample/result-image/nixos.qcow2");
    static final Duration LIMIT = Duration.ofMinutes(10);
    static final String RUN = "kbit-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 4);

    @TempDir
    static Path dir;
    static LibvirtHost host;
    static Path poolDir;
    static int calls;

    @BeforeAll
    static void up() throws Exception {
        KbootProcess.assertSampleExists();
        assertTrue(Files.exists(IMAGE), "the sample image is built (sample/build-image.sh): " + IMAGE);
        host = LibvirtHost.up();
        // QEMU (user libvirt-qemu) opens the overlay: the pool's directory must be reachable
        poolDir = Files.createTempDirectory(Path.of("/var/tmp"), RUN + "-pool", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        check(LibvirtHost.virsh("pool-define-as", RUN, "dir", "--target", poolDir.toString()));
        check(LibvirtHost.virsh("pool-start", RUN));
    }

    static void check(LibvirtHost.Result r) {
        assertEquals(0, r.code(), r.out());
    }

    @AfterAll
    static void down() throws Exception {
        List<String> failures = new ArrayList<>();
        try {
            for (String name : LibvirtHost.virsh("list", "--all", "--name").out().split("\n")) {
                if (name.strip().startsWith(RUN)) {
                    LibvirtHost.virsh("destroy", name.strip());
                    LibvirtHost.virsh("undefine", "--nvram", name.strip());
                    failures.add("domain " + name.strip() + " was left");
                }
            }
            if (LibvirtHost.virsh("net-info", RUN).code() == 0) {
                LibvirtHost.virsh("net-destroy", RUN);
                LibvirtHost.virsh("net-undefine", RUN);
                failures.add("network " + RUN + " was left");
            }
            if (poolDir != null) {
                LibvirtHost.Result vols = LibvirtHost.virsh("vol-list", RUN);
                for (String line : vols.code() == 0 ? vols.out().split("\n") : new String[0]) {
                    String vol = line.strip().split("\\s+")[0];
                    if (!vol.isEmpty()) {
                        LibvirtHost.virsh("vol-delete", "--pool", RUN, vol);
                        failures.add("volume " + vol + " was left");
                    }
                }
                LibvirtHost.virsh("pool-destroy", RUN);
                LibvirtHost.virsh("pool-undefine", RUN);
                Files.deleteIfExists(poolDir);
            }
            // kboot's default state directories (a define that failed before --state-dir was used, or used none)
            Path stateBase = Path.of("/var/lib/kboot/libvirt");
            if (Files.isDirectory(stateBase)) {
                try (var dirs = Files.list(stateBase)) {
                    for (Path d : dirs.filter(d -> d.getFileName().toString().startsWith(RUN)).toList()) {
                        deleteTree(d);
                        failures.add("state directory " + d + " was left");
                    }
                }
            }
            // what libvirt ran for this run's domains and kboot ran for the tests: QEMU (guest=NAME),
            // virtiofsd (its socket in the domain's directory, its wrapper in this run's state
            // directories), kboot itself; killed, and named as a failure
            String tmp = dir.toString();
            List<ProcessHandle> left = ProcessHandle.allProcesses()
                    .filter(p -> p.pid() != ProcessHandle.current().pid())
                    .filter(p -> p.info().commandLine().map(c -> c.contains(RUN) || c.contains(tmp)).orElse(false)).toList();
            for (ProcessHandle p : left) {
                failures.add("process left: " + p.pid() + " " + p.info().commandLine().orElse("?"));
                p.destroyForcibly();
            }
        } finally {
            if (host != null) {
                host.close();
            }
        }
        assertEquals(List.of(), failures, "kboot left nothing behind");
    }

    static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static KbootProcess kboot(String... args) throws Exception {
        KbootProcess k = KbootProcess.start(dir.resolve("rt-" + calls++), args);
        k.await(LIMIT);
        return k;
    }

    static Map<String, String> statuses(Path results) throws Exception {
        Map<String, String> out = new HashMap<>();
        for (JsonNode t : JSON.readTree(results.resolve("results.json").toFile()).path("tests")) {
            out.put(t.path("id").asText(), t.path("status").asText());
        }
        return out;
    }

    static String state(String name) throws Exception {
        return LibvirtHost.virsh("domstate", name).out().strip();
    }

    @Test
    void theSampleDiskImageBootsThroughLibvirtAndRunsTheSuiteWithATrueVerdict() throws Exception {
        String name = RUN + "-img";
        Path state = dir.resolve("state-img");
        String[] define = {"libvirt", "define", IMAGE.toString(), "--name", name, "--type", "qemu", "--pool", RUN, "--state-dir", state.toString(),
            "--connect", LibvirtHost.URI};
        KbootProcess first = kboot(define);
        assertEquals(0, first.process.exitValue(), first.err());
        assertTrue(first.out().startsWith("domain " + name + ": created\n"), first.out());
        KbootProcess second = kboot(define);
        assertEquals(0, second.process.exitValue(), second.err());
        assertEquals("domain " + name + ": unchanged\n", second.out());

        Path results = dir.resolve("results-img");
        KbootProcess test = kboot("test", "--libvirt", name, "--connect", LibvirtHost.URI, "--results", results.toString(),
                "--suite", "command:" + KbootProcess.REPO.resolve("cli/src/test/resources/libvirt/image-checks.yaml"));
        assertEquals(1, test.process.exitValue(), "one test fails on purpose: verdict 1\n" + test.err());
        assertEquals(Map.of("command/root-on-vda1", "pass", "command/dhcp-lease", "pass", "command/writable-share", "pass",
                "command/expected-failure", "fail"), statuses(results), test.err());
        JsonNode run = JSON.readTree(results.resolve("results.json").toFile()).path("run");
        assertTrue(run.path("kernelRelease").asText().matches("6\\.1\\..*-amd64"), run.toString());
        assertTrue(run.path("qemuVersion").asText().contains("libvirt") && run.path("qemuVersion").asText().contains(name), run.toString());
        assertEquals("shut off", state(name), "kboot started the domain, so it powered it off");

        KbootProcess console = kboot("libvirt", "console", name, "--no-follow", "--connect", LibvirtHost.URI);
        assertTrue(console.out().contains("KBOOT-SAMPLE: stage 2 reached on Linux") && console.out().contains("(disk image)"), console.out());

        // a panic in the guest: pvpanic tells libvirt, the console log shows it, kboot exits 255 with the excerpt
        KbootProcess crash = kboot("run", "--libvirt", name, "--connect", LibvirtHost.URI, "--timeout", "300s", "--",
                "echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger");
        assertEquals(255, crash.process.exitValue(), crash.err());
        assertTrue(crash.err().contains("Kernel panic - not syncing"), crash.err());
        assertEquals("shut off", state(name));

        KbootProcess undefine = kboot("libvirt", "undefine", name, "--remove-storage", "--connect", LibvirtHost.URI);
        assertEquals(0, undefine.process.exitValue(), undefine.err());
        assertTrue(undefine.out().contains("domain " + name + ": undefined") && undefine.out().contains("volume " + RUN + "/" + name + "-"), undefine.out());
        assertTrue(LibvirtHost.virsh("dominfo", name).code() != 0, "the domain is gone");
        assertEquals("", LibvirtHost.virsh("vol-list", RUN).out().strip(), "the overlay is gone");
        assertFalse(Files.exists(state), "kboot's state directory is gone");
    }

    @Test
    void theSampleClosureBootsImagelessThroughLibvirtWithItsStoreReadOnly() throws Exception {
        String name = RUN + "-il";
        Path state = dir.resolve("state-il");
        String[] define = {"libvirt", "define", KbootProcess.SAMPLE.toString(), "--imageless", "--name", name, "--type", "qemu",
            "--network", "none", "--state-dir", state.toString(), "--connect", LibvirtHost.URI};
        KbootProcess first = kboot(define);
        assertEquals(0, first.process.exitValue(), first.err());
        assertEquals("domain " + name + ": created\n", first.out());
        assertTrue(Files.isExecutable(state.resolve("virtiofsd-ro")), "the read-only virtiofsd wrapper is in place");
        KbootProcess second = kboot(define);
        assertEquals("domain " + name + ": unchanged\n", second.out(), second.err());

        // started first: kboot test attaches to a running domain (the agent is probed), and leaves it running
        KbootProcess start = kboot("libvirt", "start", name, "--connect", LibvirtHost.URI);
        assertEquals("domain " + name + ": started\n", start.out(), start.err());
        Path results = dir.resolve("results-il");
        KbootProcess test = kboot("test", "--libvirt", name, "--connect", LibvirtHost.URI, "--results", results.toString(),
                "--suite", "command:" + KbootProcess.REPO.resolve("cli/src/test/resources/libvirt/imageless-checks.yaml"));
        assertEquals(0, test.process.exitValue(), test.err());
        assertEquals(Map.of("command/store-on-virtiofs", "pass", "command/store-read-only-even-remounted", "pass",
                "command/modules-mounted", "pass", "command/writable-share", "pass"), statuses(results), test.err());
        assertEquals("running", state(name), "kboot attached to the domain, so it left it running");
        KbootProcess console = kboot("libvirt", "console", name, "--no-follow", "--connect", LibvirtHost.URI);
        assertTrue(console.out().contains("KBOOT-SAMPLE: stage 2 reached on Linux"), console.out());
        // the sample has no ACPI handling: the kboot agent's power-off is what stops it before the timeout
        KbootProcess stop = kboot("libvirt", "stop", name, "--timeout", "240s", "--connect", LibvirtHost.URI);
        assertEquals("domain " + name + ": stopped (shut down)\n", stop.out(), stop.err());
        assertEquals("shut off", state(name));

        KbootProcess undefine = kboot("libvirt", "undefine", name, "--remove-storage", "--connect", LibvirtHost.URI);
        assertEquals(0, undefine.process.exitValue(), undefine.err());
        assertTrue(LibvirtHost.virsh("dominfo", name).code() != 0, "the domain is gone");
        assertFalse(Files.exists(state), "kboot's state directory is gone");
    }

    @Test
    void uefiWhenAskedStartsOnOvmfAndUndefineRemovesItsNvramWhenTold() throws Exception {
        // no boot is waited for: the domain is started (libvirt picks OVMF then, from Debian's ovmf
        // package's firmware descriptors) and destroyed at once; the sample image is BIOS-only
        String name = RUN + "-efi";
        Path state = dir.resolve("state-efi");
        KbootProcess define = kboot("libvirt", "define", IMAGE.toString(), "--name", name, "--type", "qemu", "--pool", RUN, "--network", "none",
                "--firmware", "efi", "--state-dir", state.toString(), "--state", "running", "--connect", LibvirtHost.URI);
        try {
            assertEquals(0, define.process.exitValue(), define.err());
            assertTrue(define.out().startsWith("domain " + name + ": created, started\n"), define.out());
            String live = LibvirtHost.virsh("dumpxml", name).out();
            java.util.regex.Matcher nvram = java.util.regex.Pattern.compile("<nvram[^>]*>([^<]+)</nvram>").matcher(live);
            // libvirt resolved firmware='efi' to Debian's OVMF without Secure Boot (kboot asks for none)
            assertTrue(live.matches("(?s).*<loader [^>]*>/usr/share/OVMF/OVMF_CODE_4M\\.fd</loader>.*") && !live.contains("secure='yes'") && nvram.find(), live);
            Path vars = Path.of(nvram.group(1));
            assertTrue(Files.isRegularFile(vars), "libvirt made the domain's NVRAM: " + vars);
            KbootProcess stop = kboot("libvirt", "stop", name, "--timeout", "1s", "--connect", LibvirtHost.URI);
            assertEquals(0, stop.process.exitValue(), stop.err());
            KbootProcess undefine = kboot("libvirt", "undefine", name, "--remove-storage", "--nvram", "--connect", LibvirtHost.URI);
            assertEquals(0, undefine.process.exitValue(), undefine.err());
            assertFalse(Files.exists(vars), "--nvram removed " + vars);
        } finally {
            if (LibvirtHost.virsh("dominfo", name).code() == 0) {
                LibvirtHost.virsh("destroy", name);
                kboot("libvirt", "undefine", name, "--remove-storage", "--nvram", "--connect", LibvirtHost.URI);
            }
        }
    }

    @Test
    void libvirtsRefusalsAreOneLineWithTheirCodeAndAHint() throws Exception {
        String name = RUN + "-err";
        KbootProcess net = kboot("libvirt", "define", IMAGE.toString(), "--name", name, "--type", "qemu", "--pool", RUN,
                "--network", "kbit-no-such-network", "--state-dir", dir.resolve("state-err").toString(), "--state", "running", "--connect", LibvirtHost.URI);
        try {
            assertEquals(66, net.process.exitValue(), net.err());
            assertTrue(net.err().startsWith("kboot: cannot start domain " + name + ": ") && net.err().contains("[VIR_ERR_NO_NETWORK]")
                    && net.err().contains("kboot libvirt apply"), net.err());
            assertEquals(1, net.err().strip().split("\n").length, net.err());
        } finally {
            kboot("libvirt", "undefine", name, "--remove-storage", "--connect", LibvirtHost.URI);
        }
        // a network that exists but is not active: the host is not ready (69), and the hint names it
        Path netXml = dir.resolve("net.xml");
        Files.writeString(netXml, "<network><name>" + RUN + "</name><bridge name='kbit" + RUN.hashCode() % 10000 + "'/></network>");
        check(LibvirtHost.virsh("net-define", netXml.toString()));
        KbootProcess inactive = kboot("libvirt", "define", IMAGE.toString(), "--name", name, "--type", "qemu", "--pool", RUN,
                "--network", RUN, "--state-dir", dir.resolve("state-err").toString(), "--state", "running", "--connect", LibvirtHost.URI);
        try {
            assertEquals(69, inactive.process.exitValue(), inactive.err());
            assertTrue(inactive.err().contains("network '" + RUN + "' is not active [VIR_ERR_OPERATION_INVALID]; start it: virsh net-start " + RUN),
                    inactive.err());
        } finally {
            kboot("libvirt", "undefine", name, "--remove-storage", "--connect", LibvirtHost.URI);
            LibvirtHost.virsh("net-undefine", RUN);
        }
        KbootProcess pool = kboot("libvirt", "define", IMAGE.toString(), "--name", name, "--pool", "kbit-no-such-pool", "--connect", LibvirtHost.URI);
        assertEquals(66, pool.process.exitValue(), pool.err());
        assertTrue(pool.err().contains("[VIR_ERR_NO_STORAGE_POOL]") && pool.err().contains("pool-define-as"), pool.err());
        KbootProcess status = kboot("libvirt", "status", name, "--connect", LibvirtHost.URI);
        assertEquals(66, status.process.exitValue(), status.err());
        assertTrue(status.err().contains("no domain named " + name), status.err());
    }
}
