package dev.kboot.launcher.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.qemu.Accelerator;
import dev.kboot.launcher.qemu.AcceleratorProbe;
import dev.kboot.launcher.qemu.HostInfo;
import dev.kboot.launcher.qemu.Machine;
import dev.kboot.launcher.qemu.QemuBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The machine and the TCG kernel parameters the planner picks. Under TCG, microvm's only timer is
 * the local APIC timer, whose calibration a descheduled vCPU thread breaks: the guest then has no
 * tick and hangs in the secondary CPU's bring-up (issue 11, docs/reliability.md). So {@code auto}
 * is q35 under TCG, and every TCG boot gets the host's TSC rate and skips the IO-APIC timer check.
 */
class PlannerTest {
    static final Path SAMPLE = Paths.get(System.getProperty("kboot.sample", "../.cache/sample/result"));

    @Test
    void autoIsQ35UnderTcgAndMicrovmUnderKvm() {
        assertEquals(Machine.Q35, Planner.machineFor("auto", Machine.MICROVM, Accelerator.TCG));
        assertEquals(Machine.MICROVM, Planner.machineFor("auto", Machine.MICROVM, Accelerator.KVM));
        // a QEMU without microvm resolved auto to q35 already
        assertEquals(Machine.Q35, Planner.machineFor("auto", Machine.Q35, Accelerator.KVM));
    }

    @Test
    void autoIsMicrovmUnderKvmQ35UnderTcgOrWithoutMicrovm() {
        // what kboot doctor checks the kernel's needs on
        QemuBinary withMicrovm = new QemuBinary(Path.of("/usr/bin/qemu-system-x86_64"), "7.2.22", "QEMU emulator version 7.2.22", true);
        QemuBinary without = new QemuBinary(Path.of("/usr/bin/qemu-system-x86_64"), "7.2.22", "QEMU emulator version 7.2.22", false);
        assertEquals(Machine.MICROVM, Planner.autoMachine(withMicrovm, Accelerator.KVM));
        assertEquals(Machine.Q35, Planner.autoMachine(withMicrovm, Accelerator.TCG));
        assertEquals(Machine.Q35, Planner.autoMachine(without, Accelerator.KVM));
    }

    @Test
    void anExplicitMachineIsKeptUnderEitherAccelerator() {
        assertEquals(Machine.MICROVM, Planner.machineFor("microvm", Machine.MICROVM, Accelerator.TCG));
        assertEquals(Machine.Q35, Planner.machineFor("q35", Machine.Q35, Accelerator.KVM));
    }

    @Test
    void aTcgPlanBootsQ35WithTheHostsTscRate() {
        Assumptions.assumeTrue(Files.exists(SAMPLE), "no sample closure (sample/build-closure.sh)");
        BootPlan plan = Planner.plan(BootRequest.of(SAMPLE).withAccel(AcceleratorProbe.Choice.TCG), true);
        assertEquals(Machine.Q35, plan.machine());
        assertTrue(List.of(plan.cmdline().split(" ")).contains("no_timer_check"), plan.cmdline());
        List<String> argv = plan.qemuArgv(Path.of("/run/x"));
        String q35 = argv.get(argv.indexOf("-machine") + 1);
        // with what this QEMU can switch off, and qboot where it ships one
        assertEquals("q35,memory-backend=mem" + plan.qemu().q35Off().stream().map(p -> "," + p + "=off").reduce("", String::concat), q35);
        plan.qemu().qboot().ifPresent(rom -> assertEquals(rom.toString(), argv.get(argv.indexOf("-bios") + 1)));
        HostInfo.tscKhz().ifPresent(khz -> assertTrue(List.of(plan.cmdline().split(" ")).contains("tsc_early_khz=" + khz), plan.cmdline()));

        BootPlan microvm = Planner.plan(BootRequest.of(SAMPLE).withAccel(AcceleratorProbe.Choice.TCG).withMachine("microvm"), true);
        assertEquals(Machine.MICROVM, microvm.machine(), "--machine microvm is honoured under TCG");
        assertTrue(List.of(microvm.cmdline().split(" ")).contains("no_timer_check"), microvm.cmdline());
        HostInfo.tscKhz().ifPresent(khz -> assertTrue(microvm.cmdline().contains("tsc_early_khz=" + khz), microvm.cmdline()));
    }

    /**
     * With the agent the guest gets kboot's writable transfer share (copyTo, copyFrom, a test
     * run's artifacts); a request without it ({@code kboot run -- CMD}, {@code kboot shell})
     * starts one virtiofsd and one vhost-user-fs device less, and says so in every rendering.
     */
    @Test
    void theTransferShareComesWithTheAgentUnlessTheRequestLeavesItOut() {
        Assumptions.assumeTrue(Files.exists(SAMPLE), "no sample closure (sample/build-closure.sh)");
        Path run = Path.of("/run/x");
        BootRequest r = BootRequest.of(SAMPLE).withAccel(AcceleratorProbe.Choice.TCG);
        BootPlan none = Planner.plan(r, true);
        BootPlan with = Planner.plan(r.withAgent(true), true);
        BootPlan without = Planner.plan(r.withAgent(true).withTransfer(false), true);
        assertTrue(r.transfer(), "on by default");
        assertEquals(List.of(false, true, false), List.of(none.hasTransferShare(), with.hasTransferShare(), without.hasTransferShare()));
        List<String> tags = with.sharesFor(run).stream().map(dev.kboot.launcher.virtiofs.Share::tag).toList();
        assertEquals(BootPlan.XFER_TAG, tags.get(tags.size() - 1), tags.toString());
        assertEquals(none.sharesFor(run), without.sharesFor(run));
        assertEquals(tags.size() - 1, without.virtiofsdArgvs(run).size());
        assertTrue(String.join(" ", with.qemuArgv(run)).contains("tag=" + BootPlan.XFER_TAG));
        String argv = String.join(" ", without.qemuArgv(run));
        assertTrue(!argv.contains(BootPlan.XFER_TAG) && argv.contains(BootPlan.AGENT_SOCKET), argv);
    }
}
