package dev.kboot.launcher.virtiofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtiofsdTest {
    static String resource(String name) throws Exception {
        return new String(VirtiofsdTest.class.getResourceAsStream("/virtiofsd/" + name).readAllBytes());
    }

    static VirtiofsdBinary legacy() throws Exception {
        return VirtiofsdBinary.identify(Path.of("/usr/lib/qemu/virtiofsd"), resource("legacy-c-7.2-version.txt"), resource("legacy-c-7.2-help.txt"));
    }

    static VirtiofsdBinary rust() throws Exception {
        return VirtiofsdBinary.identify(Path.of("/usr/libexec/virtiofsd"), resource("rust-1.x-version.txt"), resource("rust-1.x-help.txt"));
    }

    @Test
    void tellsTheTwoDaemonsApart() throws Exception {
        VirtiofsdBinary l = legacy();
        assertEquals(VirtiofsdBinary.Kind.LEGACY_C, l.kind());
        assertTrue(l.version().startsWith("virtiofsd version 7.2"), l.version());
        VirtiofsdBinary r = rust();
        assertEquals(VirtiofsdBinary.Kind.RUST, r.kind());
        assertTrue(r.readonly() && r.inodeFileHandles());
    }

    @Test
    void somethingElseIsRefused() {
        KbootException e = assertThrows(KbootException.class,
                () -> VirtiofsdBinary.identify(Path.of("/bin/true"), "", "Usage: true [ignored command line arguments]"));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
    }

    @Test
    void rustCommandLineAsRoot() throws Exception {
        Share store = new Share(Path.of("/nix/store"), "store", true);
        assertEquals(List.of("/usr/libexec/virtiofsd", "--socket-path=/run/k/s.sock", "--shared-dir=/nix/store", "--cache=always",
                        "--sandbox=namespace", "--readonly", "--inode-file-handles=prefer"),
                VirtiofsdCommand.render(rust(), store, Path.of("/run/k/s.sock"), true, Path.of("/usr/bin/unshare")));
    }

    @Test
    void rustCommandLineUnprivilegedWritable() throws Exception {
        Share rw = new Share(Path.of("/home/u/src"), "src", false);
        assertEquals(List.of("/usr/libexec/virtiofsd", "--socket-path=/run/k/s.sock", "--shared-dir=/home/u/src", "--cache=auto", "--sandbox=none"),
                VirtiofsdCommand.render(rust(), rw, Path.of("/run/k/s.sock"), false, null));
    }

    @Test
    void legacyCommandLineReadOnlyThroughABindMount() throws Exception {
        Share store = new Share(Path.of("/nix/store"), "store", true);
        List<String> argv = VirtiofsdCommand.render(legacy(), store, Path.of("/run/k/s.sock"), true, Path.of("/usr/bin/unshare"));
        assertEquals(List.of("/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c"), argv.subList(0, 7));
        assertEquals(List.of("/nix/store", "/usr/lib/qemu/virtiofsd", "--socket-path=/run/k/s.sock", "-o", "source=/nix/store",
                "-o", "cache=always", "-o", "sandbox=chroot"), argv.subList(8, argv.size()));
    }

    @Test
    void legacyWritableShareHasNoBindMountAndCacheAuto() throws Exception {
        Share rw = new Share(Path.of("/srv/x"), "x", false);
        assertEquals(List.of("/usr/lib/qemu/virtiofsd", "--socket-path=/s", "-o", "source=/srv/x", "-o", "cache=auto", "-o", "sandbox=chroot"),
                VirtiofsdCommand.render(legacy(), rw, Path.of("/s"), true, Path.of("/usr/bin/unshare")));
    }

    @Test
    void relativeShareReachesVirtiofsdAbsolute() throws Exception {
        // `kboot run x/boot.json --store .cache/sample/store` failed: the read-only bind and
        // virtiofsd's chroot ran the relative path elsewhere and QEMU saw the daemon hang up.
        Share store = new Share(Path.of("rel/./store"), "store", true);
        Path abs = Path.of("").toAbsolutePath().resolve("rel/store");
        assertEquals(abs, store.hostDir());
        List<String> argv = VirtiofsdCommand.render(legacy(), store, Path.of("/run/k/s.sock"), true, Path.of("/usr/bin/unshare"));
        assertEquals(abs.toString(), argv.get(7 + 1));
        assertTrue(argv.contains("source=" + abs), argv.toString());
    }

    @Test
    void shareOptionParsing() throws Exception {
        Path d = Files.createTempDirectory("share");
        Share s = Share.parse(d + ":src:rw");
        assertEquals("src", s.tag());
        assertTrue(!s.readOnly());
        assertTrue(Share.parse(d + ":x").readOnly());
        for (String bad : List.of(d.toString(), d + ":", d + ":a:b", d + ":bad tag", ":t")) {
            KbootException e = assertThrows(KbootException.class, () -> Share.parse(bad));
            assertEquals(ExitCode.USAGE, e.exitCode(), bad);
            assertTrue(e.getMessage().startsWith("--share "), e.getMessage());
        }
        KbootException e = assertThrows(KbootException.class, () -> Share.parse(d.resolve("missing") + ":t"));
        assertEquals(ExitCode.NO_INPUT, e.exitCode());
    }
}
