package dev.kboot.launcher.vm;

import dev.kboot.launcher.qemu.AcceleratorProbe;
import dev.kboot.launcher.virtiofs.Share;
import java.nio.file.Path;
import java.util.List;

/**
 * What to boot, as the user asked for it (before anything is resolved or probed).
 *
 * @param result         toplevel directory, {@code result} symlink, or boot.json
 * @param specialisation a specialisation name, or null
 * @param kernel         --kernel, or null for the bootspec's kernel
 * @param initrd         --initrd, or null for the bootspec's initrd
 * @param modules        --modules (a directory holding {@code <release>/}), or null to look next to the kernel
 * @param store          --store, or null (inferred, else /nix/store)
 * @param shares         --share values
 * @param append         --append words, or ""
 * @param cpus           vCPUs (default 2: measured faster than 1 under TCG)
 * @param memoryBytes    guest RAM in bytes (default 1 GiB)
 * @param accel          --accel
 * @param machine        --machine: "auto", "microvm" or "q35"
 * @param qemu           --qemu, or null
 * @param virtiofsd      --virtiofsd, or null
 * @param qemuArgs       --qemu-arg values, appended to QEMU's argv
 * @param agent          whether the guest agent's port is attached (commands will be run)
 * @param fast           --fast: add {@link Planner#FAST_PARAMS} to the kernel command line (work a
 *                       developer's run does not need); never set by {@code kboot test} unless asked
 * @param transfer       with the agent: whether the guest also gets kboot's writable transfer share
 *                       (tag {@value BootPlan#XFER_TAG}: {@code Guest.copyTo}, {@code copyFrom},
 *                       {@code sharedDirectory}), one more virtiofsd and virtio device; default
 *                       true, false for {@code kboot run -- CMD} and {@code kboot shell}, which
 *                       never copy files
 */
public record BootRequest(
        Path result,
        String specialisation,
        Path kernel,
        Path initrd,
        Path modules,
        Path store,
        List<Share> shares,
        String append,
        int cpus,
        long memoryBytes,
        AcceleratorProbe.Choice accel,
        String machine,
        Path qemu,
        Path virtiofsd,
        List<String> qemuArgs,
        boolean agent,
        boolean fast,
        boolean transfer) {

    /** A request without --fast. */
    public BootRequest(Path result, String specialisation, Path kernel, Path initrd, Path modules, Path store, List<Share> shares,
                       String append, int cpus, long memoryBytes, AcceleratorProbe.Choice accel, String machine, Path qemu,
                       Path virtiofsd, List<String> qemuArgs, boolean agent) {
        this(result, specialisation, kernel, initrd, modules, store, shares, append, cpus, memoryBytes, accel, machine, qemu,
                virtiofsd, qemuArgs, agent, false, true);
    }

    /** A request with the transfer share (when the agent is attached). */
    public BootRequest(Path result, String specialisation, Path kernel, Path initrd, Path modules, Path store, List<Share> shares,
                       String append, int cpus, long memoryBytes, AcceleratorProbe.Choice accel, String machine, Path qemu,
                       Path virtiofsd, List<String> qemuArgs, boolean agent, boolean fast) {
        this(result, specialisation, kernel, initrd, modules, store, shares, append, cpus, memoryBytes, accel, machine, qemu,
                virtiofsd, qemuArgs, agent, fast, true);
    }

    /** @return a request with defaults for everything but the closure */
    public static BootRequest of(Path result) {
        return new BootRequest(result, null, null, null, null, null, List.of(), "", 2, 1L << 30,
                AcceleratorProbe.Choice.AUTO, "auto", null, null, List.of(), false);
    }

    /** @return a copy with the guest agent port attached or not */
    public BootRequest withAgent(boolean on) {
        return new BootRequest(result, specialisation, kernel, initrd, modules, store, shares, append, cpus, memoryBytes,
                accel, machine, qemu, virtiofsd, qemuArgs, on, fast, transfer);
    }

    /** @return a copy booting the given specialisation */
    public BootRequest withSpecialisation(String name) {
        return new BootRequest(result, name, kernel, initrd, modules, store, shares, append, cpus, memoryBytes,
                accel, machine, qemu, virtiofsd, qemuArgs, agent, fast, transfer);
    }

    /** @return a copy with the given accelerator choice */
    public BootRequest withAccel(AcceleratorProbe.Choice choice) {
        return new BootRequest(result, specialisation, kernel, initrd, modules, store, shares, append, cpus, memoryBytes,
                choice, machine, qemu, virtiofsd, qemuArgs, agent, fast, transfer);
    }

    /** @return a copy with --machine {@code name} ("auto", "microvm" or "q35") */
    public BootRequest withMachine(String name) {
        return new BootRequest(result, specialisation, kernel, initrd, modules, store, shares, append, cpus, memoryBytes,
                accel, name, qemu, virtiofsd, qemuArgs, agent, fast, transfer);
    }

    /** @return a copy with --fast on or off */
    public BootRequest withFast(boolean on) {
        return new BootRequest(result, specialisation, kernel, initrd, modules, store, shares, append, cpus, memoryBytes,
                accel, machine, qemu, virtiofsd, qemuArgs, agent, on, transfer);
    }

    /** @return a copy with the transfer share on or off (see {@link #transfer()}) */
    public BootRequest withTransfer(boolean on) {
        return new BootRequest(result, specialisation, kernel, initrd, modules, store, shares, append, cpus, memoryBytes,
                accel, machine, qemu, virtiofsd, qemuArgs, agent, fast, on);
    }
}
