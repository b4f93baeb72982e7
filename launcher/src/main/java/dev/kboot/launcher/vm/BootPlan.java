package dev.kboot.launcher.vm;

import dev.kboot.launcher.bootspec.Closure;
import dev.kboot.launcher.kernel.KernelImage;
import dev.kboot.launcher.qemu.AcceleratorProbe;
import dev.kboot.launcher.qemu.Machine;
import dev.kboot.launcher.qemu.QemuBinary;
import dev.kboot.launcher.qemu.QemuCommandLine;
import dev.kboot.launcher.qemu.QemuSpec;
import dev.kboot.launcher.virtiofs.Share;
import dev.kboot.launcher.virtiofs.VirtiofsdBinary;
import dev.kboot.launcher.virtiofs.VirtiofsdCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A boot, fully resolved and probed, before anything is started: the one place from which the
 * virtiofsd and QEMU command lines are rendered (for the boot and for {@code --dry-run}).
 *
 * @param closure       the closure and its selected bootspec
 * @param kernelImage   the kernel given, inspected
 * @param bootKernel    what QEMU loads: the cached PVH ELF of the kernel, or the kernel itself
 * @param initrd        the initrd, if any
 * @param shares        virtiofs shares: store, then modules (if any), then --share values
 * @param modulesNote   where the modules share comes from, or why there is none
 * @param qemu          the QEMU binary
 * @param virtiofsd     the virtiofsd binary
 * @param accel         the accelerator decision
 * @param machine       the machine type
 * @param cpuModel      the {@code -cpu} model, or "" for QEMU's default ({@link Planner#cpuModel})
 * @param cmdline       the kernel command line
 * @param cpus          vCPUs
 * @param memoryBytes   guest RAM in bytes
 * @param qemuArgs      extra QEMU arguments
 * @param agent         whether the agent port is attached
 * @param root          whether kboot runs as root (shapes virtiofsd's sandbox)
 * @param unshare       unshare(1), for the legacy virtiofsd's read-only bind mount, or null
 * @param fastParams    the kernel parameters --fast added to {@code cmdline} (empty without --fast)
 * @param transfer      with the agent: whether kboot's writable transfer share (tag
 *                      {@value #XFER_TAG}) is attached too ({@link BootRequest#transfer()})
 */
public record BootPlan(
        Closure closure,
        KernelImage kernelImage,
        Path bootKernel,
        Optional<Path> initrd,
        List<Share> shares,
        String modulesNote,
        QemuBinary qemu,
        VirtiofsdBinary virtiofsd,
        AcceleratorProbe.Decision accel,
        Machine machine,
        String cpuModel,
        String cmdline,
        int cpus,
        long memoryBytes,
        List<String> qemuArgs,
        boolean agent,
        boolean root,
        Path unshare,
        List<String> fastParams,
        boolean transfer) {

    /** File names inside a run directory. */
    public static final String SERIAL_SOCKET = "ttyS0.sock", HVC_SOCKET = "hvc0.sock", QMP_SOCKET = "qmp.sock",
            AGENT_SOCKET = "agent.sock", QEMU_LOG = "qemu.log", CONSOLE_LOG = "console.log";

    /** The virtiofs tag of kboot's writable transfer share (copyTo/copyFrom), present with the agent unless the request left it out. */
    public static final String XFER_TAG = "kboot-xfer";

    /** @return the host directory of the transfer share in {@code runDir} */
    public static Path xferDir(Path runDir) {
        return runDir.resolve("xfer");
    }

    /**
     * @return the shares of a run in {@code runDir}: {@link #shares()}, plus the writable
     *         transfer share (tag {@value #XFER_TAG}) when the agent is attached and
     *         {@link #transfer()}
     */
    public List<Share> sharesFor(Path runDir) {
        return sharesFor(runDir, xferDir(runDir));
    }

    /**
     * @param runDir the run directory
     * @param xfer   the host directory of the transfer share
     * @return {@link #shares()}, plus the writable transfer share in {@code xfer} when the agent is
     *         attached and {@link #transfer()}
     */
    public List<Share> sharesFor(Path runDir, Path xfer) {
        if (!hasTransferShare()) {
            return shares;
        }
        List<Share> all = new ArrayList<>(shares);
        all.add(new Share(xfer, XFER_TAG, false));
        return all;
    }

    /** @return whether the guest gets the writable transfer share: with the agent, unless the request left it out */
    public boolean hasTransferShare() {
        return agent && transfer;
    }

    /** @return the vhost-user socket of a share's virtiofsd in {@code runDir} */
    public static Path fsSocket(Path runDir, Share share) {
        return runDir.resolve("virtiofsd-" + share.tag() + ".sock");
    }

    /** @return the log file of a share's virtiofsd in {@code runDir} */
    public static Path fsLog(Path runDir, Share share) {
        return runDir.resolve("virtiofsd-" + share.tag() + ".log");
    }

    /** @return one argv per share, in {@link #sharesFor(Path)} order, for a run in {@code runDir} */
    public List<List<String>> virtiofsdArgvs(Path runDir) {
        return virtiofsdArgvs(runDir, xferDir(runDir));
    }

    /** @return one argv per share, in {@link #sharesFor(Path, Path)} order, the transfer share in {@code xfer} */
    public List<List<String>> virtiofsdArgvs(Path runDir, Path xfer) {
        List<List<String>> out = new ArrayList<>();
        for (Share s : sharesFor(runDir, xfer)) {
            out.add(VirtiofsdCommand.render(virtiofsd, s, fsSocket(runDir, s), root, unshare));
        }
        return out;
    }

    /** @return the QEMU spec for a run in {@code runDir} */
    public QemuSpec qemuSpec(Path runDir) {
        List<QemuSpec.Filesystem> fs = sharesFor(runDir).stream().map(s -> new QemuSpec.Filesystem(s.tag(), fsSocket(runDir, s))).toList();
        return new QemuSpec(qemu.path(), machine, accel.accel(), cpuModel, cpus, memoryBytes, bootKernel, initrd, cmdline,
                runDir.resolve(SERIAL_SOCKET), runDir.resolve(HVC_SOCKET), runDir.resolve(QMP_SOCKET),
                agent ? Optional.of(runDir.resolve(AGENT_SOCKET)) : Optional.empty(), fs, qemuArgs, qemu.q35Off(), qemu.qboot());
    }

    /** @return QEMU's argv for a run in {@code runDir} */
    public List<String> qemuArgv(Path runDir) {
        return QemuCommandLine.render(qemuSpec(runDir));
    }
}
