package dev.kboot.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kboot.harness.nix.Nix;
import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The suite descriptor (/etc/kboot/suites/SUITE.json, schema kboot-suite/1): the Java reader, its
 * bad input, and that it reads what the Nix side writes (nix/lib/suites.nix and the testSuites.*
 * modules, evaluated with nix-instantiate): the two drift apart only with this test failing.
 */
class SuiteDescriptorTest {
    private static final String PATH = "/etc/kboot/suites/fstests.json";

    @Test
    void readsAFullDescriptor() {
        SuiteDescriptor d = SuiteDescriptor.parse("""
                {"schema": "kboot-suite/1", "suite": "fstests", "dir": "/var/lib/xfstests", "config": "/var/lib/xfstests/local.config",
                 "sections": ["xfs", "ext4"], "devices": ["/dev/vdb"], "env": {"FSTYP": "xfs", "A_B": "1"}, "logs": ["/var/lib/xfstests/results"],
                 "future": "ignored within version 1"}""", "fstests", PATH);
        assertEquals("/var/lib/xfstests", d.dir());
        assertEquals(Optional.of("/var/lib/xfstests/local.config"), d.config());
        assertEquals(List.of("xfs", "ext4"), d.sections());
        assertEquals(List.of("/dev/vdb"), d.devices());
        assertEquals(List.of("FSTYP=xfs", "A_B=1"), d.envWords());
        assertEquals(List.of("/var/lib/xfstests/results"), d.logs());
        SuiteDescriptor minimal = SuiteDescriptor.parse("{\"schema\": \"kboot-suite/1.2\", \"suite\": \"ltp\", \"dir\": \"/opt/ltp\", \"config\": null}", "ltp", "/x");
        assertEquals(Optional.empty(), minimal.config());
        assertEquals(Map.of(), minimal.env());
    }

    @Test
    void badDescriptorsAre65NamingTheFileAndKey() {
        String[][] cases = {
            {"{", null, "malformed JSON"},
            {"[]", null, "expected a JSON object"},
            {"{\"suite\": \"fstests\", \"dir\": \"/x\"}", "schema", "missing"},
            {"{\"schema\": \"kboot-suite/2\", \"suite\": \"fstests\", \"dir\": \"/x\"}", "schema", "expected kboot-suite/1, found 'kboot-suite/2'"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"blktests\", \"dir\": \"/x\"}", "suite", "expected 'fstests', found 'blktests'"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\"}", "dir", "missing"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": \"var/lib\"}", "dir", "expected an absolute path, found 'var/lib'"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": 3}", "dir", "expected a string, found number"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": \"/x\", \"config\": \"rel\"}", "config", "expected an absolute path"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": \"/x\", \"sections\": \"xfs\"}", "sections", "expected a list of strings, found string"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": \"/x\", \"devices\": [\"vdb\"]}", "devices[0]", "expected an absolute path"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": \"/x\", \"devices\": [1]}", "devices[0]", "expected a string, found number"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": \"/x\", \"env\": []}", "env", "expected an object of strings"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": \"/x\", \"env\": {\"A\": 1}}", "env.A", "expected a string, found number"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": \"/x\", \"env\": {\"A B\": \"1\"}}", "env.A B", "expected an environment variable name"},
            {"{\"schema\": \"kboot-suite/1\", \"suite\": \"fstests\", \"dir\": \"/x\", \"logs\": [\"results\"]}", "logs[0]", "expected an absolute path"},
        };
        for (String[] c : cases) {
            KbootException e = assertThrows(KbootException.class, () -> SuiteDescriptor.parse(c[0], "fstests", PATH), c[0]);
            assertEquals(ExitCode.DATA, e.exitCode(), c[0]);
            String where = "guest:" + PATH + (c[1] == null ? ": " : ": key '" + c[1] + "': ");
            assertTrue(e.getMessage().startsWith(where) && e.getMessage().contains(c[2]), c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void theNixSideAndThisReaderHaveTheSameFields() throws Exception {
        JsonNode fields = Nix.eval("-E", "(import ./nix/lib/suites.nix).fields");
        List<String> nix = new ArrayList<>();
        fields.forEach(f -> nix.add(f.asText()));
        assertEquals(SuiteDescriptor.FIELDS, nix);
        assertEquals(SuiteDescriptor.SCHEMA, Nix.eval("-E", "(import ./nix/lib/suites.nix).schema").asText());
        assertEquals(SuiteDescriptor.DIRECTORY, Nix.eval("-E", "(import ./nix/lib/suites.nix).directory").asText());
        // The suites the Nix side knows are suites the harness runs.
        Nix.eval("-E", "(import ./nix/lib/suites.nix).suites").forEach(s -> Runners.of(s.asText()));
    }

    @Test
    void theDescriptorFunctionWritesWhatThisReaderReads() throws Exception {
        JsonNode d = Nix.eval("-E", "(import ./nix/lib/suites.nix).file { suite = \"fstests\"; dir = \"/var/lib/xfstests\"; "
                + "config = \"/var/lib/xfstests/local.config\"; sections = [ \"xfs\" ]; devices = [ \"/dev/vdb\" \"/dev/vdc\" ]; "
                + "env = { FSTYP = \"xfs\"; }; logs = [ \"/var/lib/xfstests/results\" ]; }");
        assertEquals("kboot/suites/fstests.json", d.path("name").asText());
        assertEquals(PATH, "/etc/" + d.path("name").asText());
        SuiteDescriptor s = SuiteDescriptor.parse(d.path("text").asText(), "fstests", PATH);
        assertEquals(new SuiteDescriptor("fstests", "/var/lib/xfstests", Optional.of("/var/lib/xfstests/local.config"), List.of("xfs"),
                List.of("/dev/vdb", "/dev/vdc"), Map.of("FSTYP", "xfs"), List.of("/var/lib/xfstests/results")), s);
        // What the Nix side refuses, the reader would refuse too.
        Nix.Run bad = Nix.run("--eval", "--strict", "-E", "(import ./nix/lib/suites.nix).descriptor { suite = \"fstests\"; dir = \"var/lib\"; }");
        assertTrue(bad.status() != 0 && bad.err().contains("dir must be an absolute path"), bad.err());
    }

    @Test
    void theTestSuiteModulesWriteDescriptorsThisReaderReads() throws Exception {
        JsonNode files = Nix.stub("descriptors");
        SuiteDescriptor fstests = SuiteDescriptor.parse(files.path("fstests").asText(), "fstests", PATH);
        assertEquals("/var/lib/xfstests", fstests.dir());
        assertEquals(List.of("ext4", "xfs"), fstests.sections());
        assertEquals(List.of("/dev/vdd", "/dev/vde", "/dev/vdb", "/dev/vdc"), fstests.devices());
        assertEquals(Optional.of("/var/lib/xfstests/local.config"), fstests.config());
        SuiteDescriptor blktests = SuiteDescriptor.parse(files.path("blktests").asText(), "blktests", "/etc/kboot/suites/blktests.json");
        assertEquals(List.of("/dev/vdb", "/dev/vdc"), blktests.devices());
        assertEquals("/var/lib/blktests", blktests.dir());
        SuiteDescriptor kselftest = SuiteDescriptor.parse(files.path("kselftest").asText(), "kselftest", "/etc/kboot/suites/kselftest.json");
        assertTrue(kselftest.dir().endsWith("-kselftests/lib/kselftest"), kselftest.dir());
        SuiteDescriptor ltp = SuiteDescriptor.parse(files.path("ltp").asText(), "ltp", "/etc/kboot/suites/ltp.json");
        assertTrue(ltp.dir().endsWith("-kirk/bin"), ltp.dir());
        assertTrue(ltp.env().get("LTPROOT").endsWith("-ltp"), ltp.env().toString());
        // The runners look there first, then in the suite's search list.
        Profile p = Profile.resolve("fstests", "quick");
        List<String> dirs = Runners.searchDirs(p, Optional.of(fstests));
        assertEquals("/var/lib/xfstests", dirs.get(0));
        assertEquals(dirs.size(), dirs.stream().distinct().count(), "each directory once: " + dirs);
    }
}
