package dev.kboot.harness.nix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.qemu.QemuSpec;
import dev.kboot.launcher.virtiofs.Share;
import dev.kboot.launcher.vm.BootPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Nix side (flake.nix, nix/, profiles/, testsuites/), checked with Debian's nix-instantiate
 * since nixpkgs cannot be fetched here: every file parses; what needs no nixpkgs is evaluated
 * as is (the toolchain list); the flake's outputs and the modules' options and configurations
 * are evaluated against the stubs of nixpkgs' lib and packages in nix/tests/stub (a small module
 * system that rejects undeclared options and wrongly typed values, as NixOS does). What nixpkgs'
 * real modules would add (their own option types, building anything) is not checked here.
 */
class NixFilesTest {
    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void assertHas(Set<String> actual, String... expected) {
        for (String e : expected) {
            assertTrue(actual.contains(e), "missing " + e + " in " + actual);
        }
    }

    @Test
    void everyNixFileParses() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Nix.REPO)) {
            files = s.filter(p -> p.toString().endsWith(".nix"))
                    .filter(p -> {
                        String rel = Nix.REPO.relativize(p).toString();
                        return !rel.startsWith(".cache/") && !rel.startsWith(".git/") && !rel.contains("/target/");
                    })
                    .sorted().toList();
        }
        Set<String> rel = new HashSet<>();
        files.forEach(f -> rel.add(Nix.REPO.relativize(f).toString()));
        assertHas(rel, "flake.nix", "nix/lib/toolchain.nix", "nix/lib/suites.nix", "nix/modules/backends/imageless.nix",
                "profiles/controller.nix", "testsuites/fstests.nix", "nix/templates/libvirt/flake.nix");
        for (Path f : files) {
            Nix.Run r = Nix.run("--parse", f.toString());
            assertEquals(0, r.status(), f + ":\n" + r.err());
        }
    }

    @Test
    void theToolchainListIsWellFormedWithoutNixpkgs() throws Exception {
        JsonNode t = Nix.eval("-E", "{ inherit (import ./nix/lib/toolchain.nix) groups consumers; }");
        JsonNode groups = t.path("groups");
        Pattern attrPath = Pattern.compile("[A-Za-z_][A-Za-z0-9_+-]*(\\.[A-Za-z_][A-Za-z0-9_+-]*)*");
        groups.fields().forEachRemaining(g -> {
            assertTrue(g.getValue().isArray() && g.getValue().size() > 0, g.getKey());
            Set<String> seen = new HashSet<>();
            g.getValue().forEach(n -> {
                assertTrue(attrPath.matcher(n.asText()).matches(), g.getKey() + ": " + n);
                assertTrue(seen.add(n.asText()), g.getKey() + " names " + n + " twice");
            });
        });
        assertHas(strings(fieldNames(t.path("consumers").path("shells"))), "build-kernel", "build-qemu", "systemd", "default");
        assertEquals(Set.of("build-tools", "controller"), strings(fieldNames(t.path("consumers").path("profiles"))));
        for (String kind : List.of("shells", "profiles")) {
            t.path("consumers").path(kind).fields().forEachRemaining(c -> c.getValue().forEach(g ->
                    assertTrue(groups.has(g.asText()), kind + "." + c.getKey() + " takes unknown group " + g)));
        }
        // The controller installs what the build-tools profile does, and more.
        assertTrue(strings(t.path("consumers").path("profiles").path("controller"))
                .containsAll(strings(t.path("consumers").path("profiles").path("build-tools"))));
        assertHas(strings(groups.path("kernel")), "gcc", "gnumake", "flex", "bison", "bc", "openssl", "elfutils", "pahole");
        assertHas(strings(groups.path("guests")), "qemu_kvm", "virtiofsd", "libvirt", "ansible", "git");
    }

    private static JsonNode fieldNames(JsonNode object) {
        com.fasterxml.jackson.databind.node.ArrayNode a = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        object.fieldNames().forEachRemaining(a::add);
        return a;
    }

    @Test
    void theFlakeHasTheOutputsDocsNixNames() throws Exception {
        JsonNode o = Nix.stub("outputs");
        assertHas(strings(o.path("nixosModules")), "backends.imageless", "backends.libvirt", "mounts.shares", "mounts.storage", "user",
                "kbootAgent", "profiles.devel", "profiles.build-tools", "profiles.monitoring", "profiles.controller",
                "testSuites.fstests", "testSuites.blktests", "testSuites.selftests", "testSuites.ltp", "default");
        assertHas(strings(o.path("checks")), "imageless", "libvirt", "libvirt-image");
        assertHas(strings(o.path("packages")), "kboot", "kboot-agent", "default");
        assertHas(strings(o.path("apps")), "kboot");
        assertHas(strings(o.path("devShells")), "build-kernel", "build-qemu", "systemd", "default");
        assertHas(strings(o.path("templates")), "imageless", "libvirt");
        // The checks are the backends' systems and the image; the app runs the kboot package.
        assertEquals("nixos-system-kboot-imageless", o.path("checkNames").path("imageless").asText());
        assertEquals("nixos-system-kboot-libvirt", o.path("checkNames").path("libvirt").asText());
        assertEquals("kboot-libvirt-image", o.path("checkNames").path("libvirt-image").asText());
        assertEquals("kboot", o.path("packageNames").path("default").asText());
        assertTrue(o.path("appPrograms").path("kboot").asText().endsWith("-kboot/bin/kboot"), o.toString());
        // Each template is one host: a system closure for imageless, the qcow2 for libvirt.
        assertTrue(o.path("templateDefaults").path("imageless").asText().startsWith("nixos-system-"), o.toString());
        assertEquals("kboot-libvirt-image", o.path("templateDefaults").path("libvirt").asText());
    }

    @Test
    void theDevShellsAndProfilesShareTheToolchainList() throws Exception {
        JsonNode t = Nix.eval("-E", "let t = import ./nix/lib/toolchain.nix; in { shells = builtins.mapAttrs (_: t.names) t.consumers.shells; "
                + "profiles = builtins.mapAttrs (_: t.names) t.consumers.profiles; }");
        JsonNode shells = Nix.stub("outputs").path("shellPackages");
        t.path("shells").fields().forEachRemaining(s -> assertEquals(lastSegments(s.getValue()), strings(shells.path(s.getKey())), s.getKey()));
        Set<String> installed = strings(Nix.stub("everything").path("packages"));
        t.path("profiles").fields().forEachRemaining(p -> assertTrue(installed.containsAll(lastSegments(p.getValue())), p.getKey()));
    }

    /** Attribute paths to the names the stub's packages have (llvmPackages.clang is "clang"). */
    private static Set<String> lastSegments(JsonNode names) {
        Set<String> out = new TreeSet<>();
        names.forEach(n -> out.add(n.asText().replaceAll(".*\\.", "")));
        return out;
    }

    @Test
    void theOptionsDocsNixNamesExist() throws Exception {
        Set<String> options = strings(Nix.stub("options"));
        assertHas(options, "kboot.imageless.enable", "kboot.imageless.storeTag", "kboot.imageless.modulesTag", "kboot.imageless.rootSize",
                "kboot.libvirt.enable", "kboot.libvirt.diskSize", "kboot.libvirt.format", "kboot.mounts.shares",
                "kboot.mounts.storage.filesystems", "kboot.mounts.storage.loopDevices", "kboot.user.enable", "kboot.user.name",
                "kboot.user.authorizedKeys", "services.kboot-agent.enable", "services.kboot-agent.package",
                "kboot.profiles.devel.enable", "kboot.profiles.build-tools.enable", "kboot.profiles.monitoring.enable",
                "kboot.profiles.controller.enable", "kboot.testSuites.fstests.enable", "kboot.testSuites.fstests.sections",
                "kboot.testSuites.blktests.enable", "kboot.testSuites.blktests.devices", "kboot.testSuites.selftests.enable",
                "kboot.testSuites.selftests.targets", "kboot.testSuites.ltp.enable");
        // Every option docs/nix.md mentions exists (a rename that leaves the docs behind fails),
        // and every option is in docs/nix.md.
        String doc = Files.readString(Nix.REPO.resolve("docs/nix.md"));
        Matcher m = Pattern.compile("(?<![A-Za-z0-9_./-])(kboot|services\\.kboot-agent)\\.[A-Za-z0-9_.-]*[A-Za-z0-9_]").matcher(doc);
        List<String> unknown = new ArrayList<>();
        while (m.find()) {
            String name = m.group();
            if (options.stream().noneMatch(o -> o.equals(name) || o.startsWith(name + ".") || name.startsWith(o + "."))) {
                unknown.add(name);
            }
        }
        assertEquals(List.of(), unknown, "docs/nix.md names options no module declares");
        List<String> undocumented = options.stream().filter(o -> !doc.contains(o)).toList();
        assertEquals(List.of(), undocumented, "options docs/nix.md does not describe");
    }

    @Test
    void theStubRejectsWhatNixosRejects() throws Exception {
        JsonNode s = Nix.stub("strictness");
        assertFalse(s.path("unknownOption").asBoolean(), "an undeclared option must fail");
        assertFalse(s.path("wrongType").asBoolean(), "a value of the wrong type must fail");
        assertFalse(s.path("unknownSubmoduleOption").asBoolean(), "an undeclared submodule option must fail");
        assertTrue(s.path("wellFormed").asBoolean(), "the same, well-formed, evaluates");
        assertFalse(Nix.stub("bothBackends").asBoolean(), "imageless and libvirt in one system is refused by an assertion");
    }

    @Test
    void everyModuleDoesNothingUntilEnabled() throws Exception {
        JsonNode n = Nix.stub("nothing");
        for (String k : List.of("fileSystems", "services", "etc", "packages", "users", "kernelParams")) {
            assertEquals(0, n.path(k).size(), k + ": " + n);
        }
        assertEquals("", n.path("udev").asText());
    }

    @Test
    void theImagelessBackendKeepsTheContract() throws Exception {
        JsonNode i = Nix.stub("imageless");
        JsonNode fs = i.path("fileSystems");
        assertEquals("tmpfs", fs.path("/").path("fsType").asText());
        assertEquals(Share.STORE, fs.path("/nix/store").path("device").asText());
        assertEquals("virtiofs", fs.path("/nix/store").path("fsType").asText());
        assertTrue(fs.path("/nix/store").path("neededForBoot").asBoolean());
        assertTrue(strings(fs.path("/nix/store").path("options")).contains("ro"));
        assertEquals(Share.MODULES, fs.path("/lib/modules").path("device").asText());
        assertEquals("virtiofs", fs.path("/lib/modules").path("fsType").asText());
        assertEquals("/lib/modules", i.path("moduleDir").asText());
        assertFalse(i.path("loader").asBoolean(), "no boot loader");
        assertTrue(i.path("initrdSystemd").asBoolean());
        assertTrue(i.path("bootspec").asBoolean());
        assertHas(strings(i.path("initrdModules")), "virtio_pci", "virtiofs", "virtio_console");
        // The words kboot's Planner puts on the command line too (the kernel keeps each console once).
        assertHas(strings(i.path("kernelParams")), "console=ttyS0,115200", "console=hvc0", "panic=-1");
        assertEquals("[false,false]", i.path("gettys").toString());
        // The agent: bound to the port the launcher attaches, started by it, given the device.
        String port = "/dev/virtio-ports/" + QemuSpec.AGENT_PORT;
        JsonNode agent = i.path("agent");
        assertTrue(agent.path("serviceConfig").path("ExecStart").asText().endsWith("/bin/kboot-agent " + port), agent.toString());
        assertEquals("[\"dev-virtio\\\\x2dports-" + QemuSpec.AGENT_PORT + ".device\"]", agent.path("bindsTo").toString());
        assertEquals("continue", agent.path("serviceConfig").path("OOMPolicy").asText());
        assertTrue(i.path("udev").asText().contains("ATTR{name}==\"" + QemuSpec.AGENT_PORT + "\""), i.path("udev").asText());
        assertTrue(i.path("udev").asText().contains("SYSTEMD_WANTS}+=\"kboot-agent.service\""), i.path("udev").asText());
        assertTrue(agent.path("environment").path("PATH").asText().contains("/run/current-system/sw/bin"));
    }

    @Test
    void theLibvirtBackendMakesALegacyQcow2() throws Exception {
        JsonNode l = Nix.stub("libvirt");
        JsonNode image = l.path("image");
        assertEquals("legacy", image.path("partitionTableType").asText());
        assertEquals("nixos", image.path("label").asText());
        assertEquals("ext4", image.path("fsType").asText());
        assertEquals("qcow2", image.path("format").asText());
        assertEquals("/dev/vda", image.path("bootLoaderDevice").asText());
        assertEquals("/dev/disk/by-label/nixos", l.path("fileSystems").path("/").path("device").asText());
        assertTrue(l.path("grub").path("enable").asBoolean());
        assertTrue(l.path("dhcp").asBoolean());
        assertTrue(l.path("agent").asBoolean());
        assertHas(strings(l.path("kernelParams")), "console=ttyS0,115200");
        assertHas(strings(l.path("initrdModules")), "virtio_blk", "virtio_pci", "virtio_net");
    }

    @Test
    void everythingEnabledTogetherEvaluates() throws Exception {
        JsonNode e = Nix.stub("everything");
        assertTrue(e.path("toplevel").asText().startsWith("nixos-system-"));
        // monitoring: per-run template units writing to kboot's writable share.
        assertHas(strings(e.path("services")), "kboot-monitor@", "kboot-collect@", "kboot-agent", "kboot-loop-test");
        JsonNode xfer = e.path("fileSystems").path(Guest.XFER_MOUNT);
        assertEquals(BootPlan.XFER_TAG, xfer.path("device").asText());
        assertFalse(strings(xfer.path("options")).contains("ro"), "the transfer share is writable");
        assertTrue(e.path("monitor").path("ExecStart").asText().endsWith(" sample %i"));
        // fstests on NixOS: its users, /bin/bash and /usr/bin/awk, bug_on_assert off.
        assertHas(strings(e.path("users")), "fsgqa", "fsgqa2", "123456-fsgqa", "bin", "daemon", "dev");
        JsonNode tmp = e.path("tmpfiles");
        assertTrue(tmp.path("10-kboot-testsuites").has("/bin/bash") && tmp.path("10-kboot-testsuites").has("/usr/bin/awk"), tmp.toString());
        assertEquals("0", tmp.path("10-kboot-fstests").path("/sys/fs/xfs/debug/bug_on_assert").path("w").path("argument").asText());
        // fstests and blktests run from writable directories with their package linked in and their config.
        String fstests = e.path("activation").path("kboot-fstests").asText();
        assertTrue(fstests.contains("-xfstests/lib/xfstests/*; do") && fstests.contains("-fstests-local.config '/var/lib/xfstests/local.config'"), fstests);
        String blktests = e.path("activation").path("kboot-blktests").asText();
        assertTrue(blktests.contains("-blktests/share/blktests/*; do") && blktests.contains("-blktests-config '/var/lib/blktests/config'"), blktests);
        // controller: libvirtd, kboot, and the user may use KVM and libvirt.
        assertTrue(e.path("libvirtd").asBoolean());
        assertHas(strings(e.path("userGroups")), "wheel", "kvm", "libvirtd");
        assertHas(strings(e.path("packages")), "kboot", "xfstests", "blktests", "kselftests", "kirk", "ltp", "kboot-monitor", "gdb", "perf");
        assertNotEquals(0, e.path("fileSystems").path("/var/lib/data").size());
    }

    @Test
    void everyPackageShellAndConfigurationValueEvaluates() throws Exception {
        JsonNode deep = Nix.stub("deep");
        List<String> failed = new ArrayList<>();
        deep.fields().forEachRemaining(f -> {
            if (f.getValue().isObject()) {
                f.getValue().fields().forEachRemaining(g -> {
                    if (!g.getValue().asBoolean()) {
                        failed.add(f.getKey() + "." + g.getKey());
                    }
                });
            } else if (!f.getValue().asBoolean()) {
                failed.add(f.getKey());
            }
        });
        assertEquals(List.of(), failed);
        assertHas(strings(fieldNames(deep.path("packages"))), "kboot", "kboot-agent", "blktests", "kirk", "ltp");
    }

    @Test
    void theFstestsSectionsBecomeLocalConfig() throws Exception {
        String config = Nix.stub("fstestsLocalConfig").asText();
        assertTrue(config.contains("[xfs]\nFSTYP=xfs\nSCRATCH_DEV=/dev/vdc\n"), config);
        assertTrue(config.indexOf("[ext4]") < config.indexOf("[xfs]"), config);
    }
}
