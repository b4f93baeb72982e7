package dev.kboot.launcher.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.BootRequest;
import dev.kboot.launcher.vm.Planner;
import dev.kboot.launcher.vm.VmEnd;
import dev.kboot.launcher.vm.VmOptions;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Guest API against the sample closure on real QEMU: one boot for the whole class. */
@org.junit.jupiter.api.Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class GuestIT {
    static final Path SAMPLE = Paths.get(System.getProperty("kboot.sample", "../.cache/sample/result"));
    static final Duration T = Duration.ofSeconds(60);
    static Guest guest;

    @TempDir
    Path tmp;

    @BeforeAll
    static void boot() {
        assertTrue(Files.exists(SAMPLE.resolve("boot.json")), "the sample closure is built: " + SAMPLE);
        BootPlan plan = Planner.plan(BootRequest.of(SAMPLE).withAgent(true), false);
        guest = Guest.boot(plan, VmOptions.quiet(), Duration.ofMinutes(5));
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (guest != null) {
            VmEnd end = guest.shutdown();
            assertEquals(VmEnd.Kind.POWERED_OFF, end.kind(), end.message());
        }
    }

    @Test
    void helloNamesTheGuestKernel() {
        assertTrue(guest.hello().matches("kboot-agent 2 6\\.1\\.\\S+"), guest.hello());
    }

    @Test
    void exitStatusesPassThrough() {
        ExecResult ok = guest.exec("true", T);
        assertEquals(ExecResult.Ending.EXITED, ok.ending());
        assertEquals(0, ok.shellStatus());
        assertEquals(3, guest.exec("exit 3", T).shellStatus());
        ExecResult missing = guest.exec("no-such-command-here", T);
        assertEquals(127, missing.shellStatus());
        assertTrue(missing.err().contains("not found"), missing.err());
        assertEquals(126, guest.exec("touch /tmp/notexec && chmod -x /tmp/notexec && /tmp/notexec", T).shellStatus());
        ExecResult killed = guest.exec("kill -TERM $$", T);
        assertEquals(ExecResult.Ending.SIGNALED, killed.ending());
        assertEquals(15, killed.status());
        assertEquals(143, killed.shellStatus());
    }

    @Test
    void stderrIsSeparateAndEachStreamKeepsItsOrder() {
        ExecResult r = guest.exec("for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done", T);
        assertEquals("out1\nout2\nout3\nout4\nout5\n", r.out());
        assertEquals("err1\nerr2\nerr3\nerr4\nerr5\n", r.err());
    }

    @Test
    void oneMebibyteOfRandomBinaryOutputIsByteExact() throws Exception {
        guest.succeed("head -c 1048576 /dev/urandom > /tmp/random.bin", T);
        String guestSum = guest.succeed("sha256sum /tmp/random.bin", T).out().split("\\s+")[0];
        ExecResult r = guest.exec("cat /tmp/random.bin", T);
        assertEquals(1 << 20, r.stdout().length);
        assertEquals(guestSum, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r.stdout())));
    }

    @Test
    void aCommandPastItsTimeoutIsKilledWithItsProcessGroupAndTheGuestStaysUsable() {
        ExecResult r = guest.exec("sleep 300 & sleep 301; echo never", Duration.ofSeconds(2));
        assertEquals(ExecResult.Ending.TIMED_OUT, r.ending());
        assertEquals(124, r.shellStatus());
        assertFalse(r.out().contains("never"));
        ExecResult after = guest.exec("ps -o args | grep -c '^sleep 30[01]' || true", T);
        assertEquals("0", after.out().trim(), "the whole process group was killed: " + after.out());
    }

    @Test
    void twoHundredSequentialCommandsInOneBoot() {
        for (int i = 0; i < 200; i++) {
            ExecResult r = guest.exec("echo " + i, T);
            assertEquals(0, r.shellStatus());
            assertEquals(i + "\n", r.out());
        }
    }

    @Test
    void streamingDeliversOutputBeforeTheCommandEnds() {
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        ExecResult r = guest.exec("echo first; sleep 2; echo second", T, new OutputListener() {
            @Override
            public void stdout(byte[] data) {
                arrivals.add((System.nanoTime() - t0) / 1_000_000);
                out.writeBytes(data);
            }

            @Override
            public void stderr(byte[] data) {
            }
        });
        long end = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, r.shellStatus());
        assertEquals("first\nsecond\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(0, r.stdout().length, "streamed output is not collected again");
        assertTrue(arrivals.get(0) < end - 1500, "first chunk at " + arrivals + " ms, end at " + end + " ms");
    }

    @Test
    void stdinIsFedByteExact() throws Exception {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        Execution e = guest.start("cat", T, true, null);
        e.write(data);
        e.closeStdin();
        assertArrayEquals(data, guest.await(e).stdout());
    }

    @Test
    void aCommandThatWritesBeforeItReadsStdinDoesNotDeadlockTheAgent() throws Exception {
        // 2 MB of output before reading 2 MB of stdin: more than either pipe holds, so an agent
        // that blocked writing stdin would stop forwarding output and both would wait forever.
        byte[] data = new byte[2_000_000];
        new Random(13).nextBytes(data);
        Execution e = guest.start("head -c 2000000 /dev/zero; cat", T, true, null);
        e.write(data);
        e.closeStdin();
        ExecResult r = guest.await(e);
        assertEquals(0, r.shellStatus());
        assertEquals(4_000_000, r.stdout().length);
        assertArrayEquals(data, java.util.Arrays.copyOfRange(r.stdout(), 2_000_000, 4_000_000));
        assertEquals("ok\n", guest.exec("echo ok", T).out(), "the agent still answers");
    }

    @Test
    void aHostThatStopsReadingDoesNotStopTheAgentEnforcingATimeout() {
        // The listener holds kboot's reader for 8 s: the port backs up into the guest. The agent
        // must still kill the command at its 3 s deadline (it measures the command's duration).
        boolean[] held = new boolean[1];
        ExecResult r = guest.exec("yes", Duration.ofSeconds(3), new OutputListener() {
            @Override
            public void stdout(byte[] data) {
                if (!held[0]) {
                    held[0] = true;
                    try {
                        Thread.sleep(8000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void stderr(byte[] data) {
            }
        });
        assertEquals(ExecResult.Ending.TIMED_OUT, r.ending());
        assertTrue(r.duration().toMillis() < 7000, "killed at its deadline, not when kboot read again: " + r.duration());
        assertEquals("ok\n", guest.exec("echo ok", T).out());
    }

    @Test
    void aCommandLineOverAFrameIsAUsageErrorAndALongOneRuns() {
        KbootException e = assertThrows(KbootException.class, () -> guest.exec(": " + "x".repeat(2 << 20), T));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("2097154 bytes"), e.getMessage());
        // 900 kB: over execve's 128 KiB per argument, so the agent hands it to the shell another way
        ExecResult r = guest.exec(": " + "x".repeat(900_000) + "; echo long-ok", T);
        assertEquals("long-ok\n", r.out(), r.err());
    }

    @Test
    void anOversizedFrameIsSkippedWholeAndAnswered() throws Exception {
        AgentChannel ch = guest.agent();
        Execution big = ch.register("(oversized)", T, null, 1 << 20);
        byte[] payload = new byte[(2 << 20) + 17];
        java.util.Arrays.fill(payload, (byte) 'E'); // payload bytes that would parse as frame headers
        ch.sendUnchecked('E', big.id(), payload);
        ExecResult r = guest.await(big);
        assertEquals(ExecResult.Ending.NOT_STARTED, r.ending());
        assertEquals(7, r.status(), "E2BIG");
        Execution cat = guest.start("cat", T, true, null);
        cat.write("before ".getBytes(StandardCharsets.UTF_8));
        ch.sendUnchecked('I', cat.id(), new byte[(1 << 20) + 1]);
        ExecResult c = guest.await(cat);
        assertEquals("before ", c.out(), "an oversized stdin frame closes stdin: cat sees its end");
        assertThrows(java.io.IOException.class, () -> cat.write(new byte[1]));
        assertEquals("ok\n", guest.exec("echo ok", T).out(), "the stream is still framed");
    }

    @Test
    void threeGibibytesOfOutputStreamToAListenerAndAreRefusedByTheCollector() {
        long[] got = new long[1];
        ExecResult r = guest.exec("dd if=/dev/zero bs=1M count=3072 2>/dev/null", Duration.ofMinutes(10), new OutputListener() {
            @Override
            public void stdout(byte[] data) {
                got[0] += data.length;
            }

            @Override
            public void stderr(byte[] data) {
            }
        });
        assertTrue(r.succeeded(), r.describe());
        assertEquals(3L << 30, got[0]);
        OutputLimitException e = assertThrows(OutputLimitException.class, () -> guest.exec("dd if=/dev/zero bs=1M count=3072 2>/dev/null", T));
        assertTrue(e.getMessage().contains("more than 64 MiB of output"), e.getMessage());
        assertEquals("ok\n", guest.exec("echo ok", T).out(), "the guest is still usable");
    }

    @Test
    void commandsCanRunConcurrently() {
        Execution slow = guest.start("sleep 3; echo slow", T, false, null);
        ExecResult quick = guest.exec("echo quick", T);
        assertEquals("quick\n", quick.out());
        assertFalse(slow.future().isDone());
        assertEquals("slow\n", guest.await(slow).out());
    }

    @Test
    void copyToAndFromThroughTheTransferShare() throws Exception {
        byte[] data = new byte[200_000];
        new Random(11).nextBytes(data);
        Path in = tmp.resolve("in.bin");
        Files.write(in, data);
        guest.copyTo(in, "/root/deep/dir/file.bin");
        assertEquals(Integer.toString(data.length), guest.succeed("wc -c < /root/deep/dir/file.bin", T).out().trim());
        Path back = tmp.resolve("back.bin");
        guest.copyFrom("/root/deep/dir/file.bin", back);
        assertArrayEquals(data, Files.readAllBytes(back));
    }

    @Test
    void waitUntilSucceedsRetriesAndFailsWithTheLastTry() throws Exception {
        guest.succeed("rm -f /tmp/flag; (sleep 2; touch /tmp/flag) >/dev/null 2>&1 &", T);
        ExecResult r = guest.waitUntilSucceeds("test -e /tmp/flag", Duration.ofSeconds(30));
        assertEquals(0, r.shellStatus());
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> guest.waitUntilSucceeds("test -e /tmp/never", Duration.ofSeconds(3)));
        assertTrue(e.getMessage().contains("exited with status 1"), e.getMessage());
    }

    @Test
    void waitForConsoleSeesWhatTheGuestPrintsThere() throws Exception {
        guest.succeed("echo kboot-console-probe-42 > /dev/console", T);
        assertTrue(guest.waitForConsole(Pattern.compile("console-probe-4[2]"), Duration.ofSeconds(30)).text().contains("kboot-console-probe-42"));
    }

    @Test
    void succeedReportsAFailureAsATestOutcome() {
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> guest.succeed("echo boom >&2; exit 5", T));
        assertEquals(5, e.result().status());
        assertTrue(e.getMessage().contains("exited with status 5: boom"), e.getMessage());
    }

    @Test
    void aClosureWithoutTheAgentFailsWithTheDocumentedError() {
        BootPlan plan = Planner.plan(BootRequest.of(SAMPLE).withSpecialisation("noagent").withAgent(true), false);
        List<String> notices = new ArrayList<>();
        GuestException e = assertThrows(GuestException.class, () -> Guest.boot(plan,
                new VmOptions(null, null, notices::add, new dev.kboot.launcher.vm.Timings()), Duration.ofMinutes(3)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("kboot agent"), e.getMessage());
        assertTrue(e.detail().contains("KBOOT-SAMPLE: stage 2 reached"), e.detail());
        String mark = plan.closure().bootspec().toplevel();
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().map(c -> c.contains(mark)).orElse(false)),
                "no QEMU left for " + mark);
    }
}
