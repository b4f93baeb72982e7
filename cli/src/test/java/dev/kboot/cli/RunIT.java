package dev.kboot.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the real bin/kboot boots the sample closure (Debian's 6.1 kernel and modules,
 * busybox) through real virtiofsd and QEMU, and ends each way the README documents.
 */
class RunIT {
    static final String MARKER = "KBOOT-SAMPLE: stage 2 reached on Linux ";

    @TempDir
    Path runtime;

    @BeforeAll
    static void sample() {
        KbootProcess.assertSampleExists();
    }

    @Test
    void bootsToTheMarkerAndExits0() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--timings", "--timeout", "180s");
        int code = k.await(Duration.ofMinutes(4));
        assertEquals(0, code, k.err());
        assertTrue(k.out().contains(MARKER), "console streamed to stdout: " + k.out());
        assertTrue(k.out().contains("switching root to /nix/store/"), "the initrd mounted the store over virtiofs: " + k.out());
        for (String phase : new String[] {"virtiofsd ready", "QEMU started", "first console byte", "init reached", "guest powered off"}) {
            assertTrue(k.err().contains("timing: " + phase), phase + " in " + k.err());
        }
        k.assertNothingLeft();
    }

    @Test
    void quietKeepsTheConsoleInTheLogOnly() throws Exception {
        Path log = runtime.resolve("console.txt");
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--quiet", "--console-log", log.toString());
        assertEquals(0, k.await(Duration.ofMinutes(4)), k.err());
        assertFalse(k.out().contains(MARKER), k.out());
        String text = java.nio.file.Files.readString(log);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s+\\d+\\.\\d{3} (ttyS0|hvc0) \\| " + MARKER + ".*")), "timestamped and tagged: " + text);
        k.assertNothingLeft();
    }

    @Test
    void aPanickingGuestExits255WithThePanicShown() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--specialisation", "panic", "--timeout", "180s");
        int code = k.await(Duration.ofMinutes(4));
        assertEquals(255, code, k.err());
        assertTrue(k.err().contains("kboot: kernel panic: ") && k.err().contains("Kernel panic - not syncing: sysrq triggered crash"), k.err());
        assertTrue(k.err().contains("Call Trace:") || k.err().contains("CPU: "), "the excerpt holds the report: " + k.err());
        k.assertNothingLeft();
    }

    @Test
    void aGuestThatNeverPowersOffHitsTheTimeout() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--specialisation", "hang", "--timeout", "25s");
        int code = k.await(Duration.ofMinutes(2));
        assertEquals(124, code, k.err());
        assertTrue(k.err().contains("kboot: timed out after 25 s"), k.err());
        // How far the boot got in 25 s depends on the host's load: only that the tail is shown is asserted.
        assertTrue(k.err().contains("last 50 console lines"), k.err());
        k.assertNothingLeft();
    }

    @Test
    void ctrlCStopsEverything() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--specialisation", "hang");
        await().atMost(Duration.ofMinutes(2)).until(() -> k.out().contains("never powering off"));
        new ProcessBuilder("kill", "-INT", Long.toString(k.process.pid())).start().waitFor();
        assertEquals(130, k.await(Duration.ofSeconds(30)), k.err());
        k.assertNothingLeft();
    }

    @Test
    void sigtermExits130AsDocumentedAndStopsEverything() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--specialisation", "hang");
        await().atMost(Duration.ofMinutes(2)).until(() -> k.out().contains("never powering off"));
        new ProcessBuilder("kill", "-TERM", Long.toString(k.process.pid())).start().waitFor();
        assertEquals(130, k.await(Duration.ofSeconds(30)), k.err());
        k.assertNothingLeft();
    }

    @Test
    void aRuntimeDirectoryTooDeepForUnixSocketsIsAClearError() throws Exception {
        Path deep = runtime.resolve("d".repeat(60)).resolve("e".repeat(60));
        KbootProcess k = KbootProcess.start(deep, "run", KbootProcess.SAMPLE.toString(), "--timeout", "60s");
        assertEquals(125, k.await(Duration.ofMinutes(2)), k.err());
        assertTrue(k.err().contains("too deep for unix sockets") && k.err().contains("XDG_RUNTIME_DIR"), k.err());
        assertFalse(k.err().contains("\tat "), k.err());
        k.assertNothingLeft();
    }

    @Test
    void sigkillOfKbootStillLeavesNothingRunning() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--specialisation", "hang");
        await().atMost(Duration.ofMinutes(2)).until(() -> k.out().contains("never powering off"));
        assertFalse(k.leftoverProcesses().isEmpty(), "QEMU and virtiofsd are running");
        new ProcessBuilder("kill", "-KILL", Long.toString(k.process.pid())).start().waitFor();
        k.await(Duration.ofSeconds(10));
        // The out-of-process reaper sees the JVM's pipe close and stops the children.
        await().atMost(Duration.ofSeconds(20)).until(() -> k.leftoverProcesses().isEmpty());
        k.assertNothingLeft();
    }

    @Test
    void theAcceleratorInUseIsNamed() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--verbose", "--timeout", "180s");
        assertEquals(0, k.await(Duration.ofMinutes(4)), k.err());
        // microvm under KVM; q35 under TCG (microvm's APIC timer calibration fails on a loaded host: Planner.machineFor)
        assertTrue(k.err().matches("(?s).*booting .* on (microvm/kvm|q35/tcg).*"), k.err());
        if (k.err().contains("/tcg")) {
            assertTrue(k.err().contains("kboot: warning: using TCG"), "a TCG fallback is said: " + k.err());
        }
    }
}
