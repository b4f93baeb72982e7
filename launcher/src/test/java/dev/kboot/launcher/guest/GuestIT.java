package dev.kboot.launcher.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
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
        assertTrue(guest.hello().matches("kboot-agent 1 6\\.1\\.\\S+"), guest.hello());
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
