package dev.kboot.launcher.bootspec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootspecReaderTest {
    // The example from RFC 0125 / REFERENCE.md section 1, as nixpkgs' bootspec.nix writes it.
    static final String VALID = """
            {"org.nixos.bootspec.v1":{"init":"/nix/store/aaa-nixos-system-x/init","initrd":"/nix/store/bbb-initrd-linux-6.6/initrd",
             "kernel":"/nix/store/ccc-linux-6.6/bzImage","kernelParams":["loglevel=4","nvme.shutdown_timeout=10"],
             "label":"NixOS 24.11 (Linux 6.6.1)","system":"x86_64-linux","toplevel":"/nix/store/aaa-nixos-system-x"},
             "org.nixos.specialisation.v1":{}}
            """;

    @TempDir
    Path dir;

    private Path write(String json) throws Exception {
        Path f = dir.resolve("boot.json");
        Files.writeString(f, json, StandardCharsets.UTF_8);
        return f;
    }

    private KbootException bad(String json) throws Exception {
        Path f = write(json);
        KbootException e = assertThrows(KbootException.class, () -> BootspecReader.read(f));
        assertEquals(ExitCode.DATA, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void readsEveryField() throws Exception {
        Bootspec b = BootspecReader.read(write(VALID));
        assertEquals("/nix/store/aaa-nixos-system-x/init", b.init());
        assertEquals("/nix/store/bbb-initrd-linux-6.6/initrd", b.initrd().orElseThrow());
        assertEquals("/nix/store/ccc-linux-6.6/bzImage", b.kernel());
        assertEquals(List.of("loglevel=4", "nvme.shutdown_timeout=10"), b.kernelParams());
        assertEquals("NixOS 24.11 (Linux 6.6.1)", b.label());
        assertEquals("x86_64-linux", b.system());
        assertEquals("/nix/store/aaa-nixos-system-x", b.toplevel());
        assertTrue(b.initrdSecrets().isEmpty());
        assertTrue(b.specialisations().isEmpty());
    }

    @Test
    void initrdIsOptional() throws Exception {
        Bootspec b = BootspecReader.read(write(VALID.replace("\"initrd\":\"/nix/store/bbb-initrd-linux-6.6/initrd\",", "")));
        assertTrue(b.initrd().isEmpty());
    }

    @Test
    void keepsExtensionKeys() throws Exception {
        Bootspec b = BootspecReader.read(write(VALID.replace("\"org.nixos.specialisation.v1\":{}",
                "\"org.nixos.specialisation.v1\":{},\"org.nix-community.lanzaboote\":{\"sortKey\":\"nixos\",\"n\":[1,2]}")));
        assertEquals(Map.of("sortKey", "nixos", "n", List.of(1, 2)), b.extensions().get("org.nix-community.lanzaboote"));
    }

    @Test
    void readsSpecialisations() throws Exception {
        String spec = VALID.replace("\"org.nixos.specialisation.v1\":{}", "\"org.nixos.specialisation.v1\":{\"debug\":"
                + VALID.replace("/init\"", "/init-debug\"").replace("\"org.nixos.specialisation.v1\":{}", "\"x\":1").trim() + "}");
        Bootspec b = BootspecReader.read(write(spec));
        assertEquals("/nix/store/aaa-nixos-system-x/init-debug", b.specialisation("debug").init());
        KbootException e = assertThrows(KbootException.class, () -> b.specialisation("nope"));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("only debug"), e.getMessage());
    }

    @Test
    void missingKeyIsNamed() throws Exception {
        KbootException e = bad(VALID.replace("\"label\":\"NixOS 24.11 (Linux 6.6.1)\",", ""));
        assertTrue(e.getMessage().contains("key 'org.nixos.bootspec.v1.label': missing (expected a string)"), e.getMessage());
    }

    @Test
    void wrongTypeIsNamed() throws Exception {
        KbootException e = bad(VALID.replace("\"kernelParams\":[\"loglevel=4\",\"nvme.shutdown_timeout=10\"]", "\"kernelParams\":\"loglevel=4\""));
        assertTrue(e.getMessage().contains("key 'org.nixos.bootspec.v1.kernelParams': expected an array of strings, found a string"), e.getMessage());
        e = bad(VALID.replace("\"loglevel=4\"", "4"));
        assertTrue(e.getMessage().contains("kernelParams[0]': expected a string, found a number (4)"), e.getMessage());
        e = bad(VALID.replace("\"system\":\"x86_64-linux\"", "\"system\":null"));
        assertTrue(e.getMessage().contains("'org.nixos.bootspec.v1.system': expected a string, found null"), e.getMessage());
    }

    @Test
    void wrongTypeInsideASpecialisationIsNamedWithItsPath() throws Exception {
        String spec = VALID.replace("\"org.nixos.specialisation.v1\":{}", "\"org.nixos.specialisation.v1\":{\"debug\":"
                + VALID.replace("\"init\":\"/nix/store/aaa-nixos-system-x/init\"", "\"init\":7").trim() + "}");
        KbootException e = bad(spec);
        assertTrue(e.getMessage().contains("key 'org.nixos.specialisation.v1.debug.org.nixos.bootspec.v1.init': expected a string"), e.getMessage());
    }

    @Test
    void legacyFormsAreRefused() throws Exception {
        KbootException e = bad("{\"v1\":{\"init\":\"/nix/store/x/init\"}}");
        assertTrue(e.getMessage().contains("pre-RFC draft"), e.getMessage());
        e = bad("{\"schemaVersion\":1,\"init\":\"/nix/store/x/init\"}");
        assertTrue(e.getMessage().contains("key 'schemaVersion'"), e.getMessage());
    }

    @Test
    void legacyBootV1JsonFileIsRefused() throws Exception {
        Files.writeString(dir.resolve("boot.v1.json"), "{\"schemaVersion\":1}");
        KbootException e = assertThrows(KbootException.class, () -> Closure.resolve(dir, null, null));
        assertEquals(ExitCode.DATA, e.exitCode());
        assertTrue(e.getMessage().contains("boot.v1.json") && e.getMessage().contains("pre-RFC draft"), e.getMessage());
    }

    @Test
    void malformedJsonNamesLineAndColumn() throws Exception {
        KbootException e = bad("{\"org.nixos.bootspec.v1\": {\"init\": }");
        assertTrue(e.getMessage().contains("malformed JSON at line 1, column"), e.getMessage());
        e = bad("");
        assertTrue(e.getMessage().contains("empty file"), e.getMessage());
        e = bad("[1,2]");
        assertTrue(e.getMessage().contains("expected a JSON object, found an array"), e.getMessage());
    }

    @Test
    void relativeStorePathIsRefused() throws Exception {
        KbootException e = bad(VALID.replace("\"kernel\":\"/nix/store/ccc-linux-6.6/bzImage\"", "\"kernel\":\"bzImage\""));
        assertTrue(e.getMessage().contains("'org.nixos.bootspec.v1.kernel': expected an absolute store path"), e.getMessage());
    }

    @Test
    void missingClosureIs66() {
        KbootException e = assertThrows(KbootException.class, () -> Closure.resolve(dir.resolve("nope"), null, null));
        assertEquals(ExitCode.NO_INPUT, e.exitCode());
        e = assertThrows(KbootException.class, () -> Closure.resolve(dir, null, null));
        assertEquals(ExitCode.NO_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("boot.json"), e.getMessage());
    }

    @Test
    void storeIsInferredFromAToplevelNamedLikeItsStorePath() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Path top = Files.createDirectories(store.resolve("aaa-nixos-system-x"));
        Files.writeString(top.resolve("boot.json"), VALID);
        Path result = Files.createSymbolicLink(dir.resolve("result"), top);
        Closure c = Closure.resolve(result, null, null);
        assertEquals(store.toRealPath(), c.hostStore().toRealPath());
        assertEquals(store.toRealPath().resolve("ccc-linux-6.6/bzImage"), c.toHost(c.bootspec().kernel()).toAbsolutePath());
        // A toplevel named otherwise means the closure lives in /nix/store.
        Path other = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(other.resolve("boot.json"), VALID);
        if (Files.isDirectory(Path.of("/nix/store"))) {
            assertEquals(Path.of("/nix/store"), Closure.resolve(other, null, null).hostStore());
        } else {
            KbootException e = assertThrows(KbootException.class, () -> Closure.resolve(other, null, null));
            assertTrue(e.getMessage().contains("/nix/store"), e.getMessage());
        }
    }
}
