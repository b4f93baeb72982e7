package dev.kboot.launcher.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.BootRequest;
import dev.kboot.launcher.vm.Planner;
import dev.kboot.launcher.vm.VmOptions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The guest agent dying or hanging under a command, on real QEMU (one boot; the hang comes last,
 * since it leaves the agent stopped). The sample starts a killed agent again, as the NixOS
 * module's {@code Restart=} does.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class AgentFaultIT {
    static final Duration T = Duration.ofSeconds(60);
    static Guest guest;

    @BeforeAll
    static void boot() {
        BootPlan plan = Planner.plan(BootRequest.of(GuestIT.SAMPLE).withAgent(true), false);
        guest = Guest.boot(plan, VmOptions.quiet(), Duration.ofMinutes(5));
    }

    @AfterAll
    static void close() {
        if (guest != null) {
            guest.close();
        }
    }

    @Test
    @Order(1)
    void anAgentKilledUnderACommandFailsItClearlyAndItsSuccessorIsUsed() {
        // No timeout: without noticing the restart, this would wait for the command for ever.
        GuestException e = assertThrows(GuestException.class, () -> guest.exec("kill -9 $PPID; sleep 600", null));
        assertEquals(ExitCode.GUEST_CRASH, e.exitCode());
        assertTrue(e.getMessage().contains("the kboot agent restarted in the guest"), e.getMessage());
        assertEquals("again\n", guest.exec("echo again", T).out());
    }

    @Test
    @Order(2)
    void aStoppedAgentIsNoticedAndNothingTheHostSendsBlocks() throws Exception {
        guest.silenceLimit(Duration.ofSeconds(5));
        Execution e = guest.start("kill -STOP $PPID; sleep 600", null, true, null);
        long t0 = System.nanoTime();
        GuestException ex = assertThrows(GuestException.class, () -> guest.await(e));
        long waited = System.nanoTime() - t0;
        assertEquals(ExitCode.UNAVAILABLE, ex.exitCode());
        assertTrue(ex.getMessage().contains("the kboot agent stopped answering"), ex.getMessage());
        assertTrue(waited < Duration.ofSeconds(60).toNanos(), "bounded: " + waited / 1_000_000 + " ms");
        // The port is not read any more: a kill, stdin and a resize still return at once.
        long t1 = System.nanoTime();
        e.kill(9);
        e.write(new byte[64 << 10]);
        e.closeStdin();
        assertTrue(System.nanoTime() - t1 < Duration.ofSeconds(5).toNanos());
    }
}
