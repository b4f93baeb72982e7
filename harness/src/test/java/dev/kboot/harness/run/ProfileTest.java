package dev.kboot.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The suites' bundled defaults (testsuites/*.yaml) and user profile files. */
class ProfileTest {
    @TempDir
    Path dir;

    @Test
    void bundledProfilesResolve() {
        Profile k = Profile.resolve("kselftest", "sample");
        assertEquals(Duration.ofSeconds(180), k.testTimeout().orElseThrow());
        assertTrue(k.search().contains("/run/current-system/sw/lib/kselftest"), k.search().toString());
        Profile d = Profile.resolve("kselftest", null);
        assertEquals("default", d.name());
        Profile m = Profile.resolve("command", "kernel-modules");
        assertEquals(3, m.settings().path("tests").size());
        for (String suite : List.of("kunit", "fstests", "blktests", "ltp")) {
            assertTrue(Profile.defaults(suite).path("profiles").size() > 0, suite);
        }
    }

    @Test
    void unknownProfileIs64AndNamesTheOnesThereAre() {
        KbootException e = assertThrows(KbootException.class, () -> Profile.resolve("kselftest", "nope"));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("default, sample"), e.getMessage());
        e = assertThrows(KbootException.class, () -> Runners.of("xfstests"));
        assertEquals(ExitCode.USAGE, e.exitCode());
    }

    @Test
    void userFilesAreOneProfile() throws Exception {
        Path f = dir.resolve("mine.yaml");
        Files.writeString(f, "tests:\n  - {name: a, command: 'true'}\ntest-timeout: 7s\n");
        Profile p = Profile.resolve("command", f.toString());
        assertEquals(Duration.ofSeconds(7), p.testTimeout().orElseThrow());
        Files.writeString(f, "tests: [unclosed\n");
        KbootException e = assertThrows(KbootException.class, () -> Profile.resolve("command", f.toString()));
        assertEquals(ExitCode.DATA, e.exitCode());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        e = assertThrows(KbootException.class, () -> Profile.resolve("command", dir.resolve("missing.yaml").toString()));
        assertEquals(ExitCode.NO_INPUT, e.exitCode());
        Files.writeString(f, "test-timeout: soon\n");
        e = assertThrows(KbootException.class, () -> Profile.resolve("command", f.toString()).testTimeout());
        assertEquals(ExitCode.DATA, e.exitCode());
        assertTrue(e.getMessage().startsWith(f + ": key 'test-timeout': expected a duration"), e.getMessage());
    }

    @Test
    void durationsAreAMappingOfTestToDuration() throws Exception {
        Path f = dir.resolve("d.yaml");
        Files.writeString(f, "tests:\n  - {name: a, command: 'true'}\ndurations:\n  a: 90s\n  b/c: 2m\n");
        assertEquals(java.util.Map.of("a", Duration.ofSeconds(90), "b/c", Duration.ofMinutes(2)), Profile.resolve("command", f.toString()).durations());
        assertEquals(java.util.Map.of(), Profile.resolve("kselftest", "sample").durations());
        Files.writeString(f, "durations:\n  a: soon\n");
        KbootException e = assertThrows(KbootException.class, () -> Profile.resolve("command", f.toString()).durations());
        assertEquals(ExitCode.DATA, e.exitCode());
        assertTrue(e.getMessage().startsWith(f + ": key 'durations.a': expected a duration"), e.getMessage());
        Files.writeString(f, "durations: [a, b]\n");
        e = assertThrows(KbootException.class, () -> dev.kboot.harness.run.TestRun.prepare(java.util.List.of("command:" + f), null, null));
        assertEquals(ExitCode.DATA, e.exitCode(), "checked before anything boots");
        assertTrue(e.getMessage().contains("key 'durations'"), e.getMessage());
    }
}
