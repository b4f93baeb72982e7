package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: {@code kboot run RESULT -- CMD} through the real bin/kboot and the sample closure. */
class RunCommandIT {
    @TempDir
    Path runtime;

    @BeforeAll
    static void sample() {
        KbootProcess.assertSampleExists();
    }

    private KbootProcess run(String... cmd) throws Exception {
        String[] args = new String[cmd.length + 3];
        args[0] = "run";
        args[1] = KbootProcess.SAMPLE.toString();
        args[2] = "--";
        System.arraycopy(cmd, 0, args, 3, cmd.length);
        return KbootProcess.start(runtime, args);
    }

    @Test
    void stdoutAndStderrStreamSeparatelyAndTheStatusPassesThrough() throws Exception {
        KbootProcess k = run("echo to-out; echo to-err >&2; exit 3");
        assertEquals(3, k.await(Duration.ofMinutes(3)), k.err());
        assertEquals("to-out\n", k.out());
        assertTrue(k.err().contains("to-err\n"), k.err());
        assertFalse(k.out().contains("KBOOT-SAMPLE"), "the console is not on stdout: " + k.out());
        k.assertNothingLeft();
    }

    @Test
    void runBootsFastByDefaultAndNoFastBootsAsConfigured() throws Exception {
        String avx = "grep -cw avx /proc/cpuinfo || true";
        KbootProcess fast = run(avx);
        assertEquals(0, fast.await(Duration.ofMinutes(3)), fast.err());
        String fastErr = fast.err(), fastOut = fast.out();   // the next run reuses the output files
        assertTrue(fastErr.contains("kboot: fast boot: cryptomgr.notests"), fastErr);
        KbootProcess plain = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--no-fast", "--", avx);
        assertEquals(0, plain.await(Duration.ofMinutes(3)), plain.err());
        assertFalse(plain.err().contains("fast boot"), plain.err());
        if (fastErr.contains("/tcg,")) {
            // under TCG the fast boot has QEMU's default CPU model (no AVX), -cpu max has AVX on each vCPU
            assertEquals("0\n", fastOut);
            assertEquals("2\n", plain.out());
        }
    }

    @Test
    void severalArgumentsAreAProgramAndItsArguments() throws Exception {
        KbootProcess k = run("sh", "-c", "exit 7");
        assertEquals(7, k.await(Duration.ofMinutes(3)), k.err());
        k = run("printf", "%s|", "two words", "$HOME");
        assertEquals(0, k.await(Duration.ofMinutes(3)), k.err());
        assertEquals("two words|$HOME|", k.out());
    }

    @Test
    void shellLikeStatusesForMissingCommandsAndSignals() throws Exception {
        KbootProcess k = run("no-such-command");
        assertEquals(127, k.await(Duration.ofMinutes(3)), k.err());
        k = run("kill -KILL $$");
        assertEquals(137, k.await(Duration.ofMinutes(3)), k.err());
        k.assertNothingLeft();
    }

    @Test
    void aCommandPastTheTimeoutIs124() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--timeout", "40s", "--", "sleep 600");
        assertEquals(124, k.await(Duration.ofMinutes(3)), k.err());
        assertTrue(k.err().contains("timed out after 40s"), k.err());
        k.assertNothingLeft();
    }

    @Test
    void aClosureWithoutTheAgentIs69WithTheConsoleTail() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--specialisation", "noagent", "--", "true");
        assertEquals(69, k.await(Duration.ofMinutes(3)), k.err());
        assertTrue(k.err().contains("kboot agent"), k.err());
        assertTrue(k.err().contains("KBOOT-SAMPLE: stage 2 reached"), k.err());
        k.assertNothingLeft();
    }

    @Test
    void verboseShowsTheKernelConsoleOnStderr() throws Exception {
        KbootProcess k = KbootProcess.start(runtime, "run", KbootProcess.SAMPLE.toString(), "--verbose", "--", "uname -r");
        assertEquals(0, k.await(Duration.ofMinutes(3)), k.err());
        assertTrue(k.out().matches("6\\.1\\.\\S+\n"), k.out());
        assertTrue(k.err().contains("KBOOT-SAMPLE: stage 2 reached"), k.err());
    }
}
