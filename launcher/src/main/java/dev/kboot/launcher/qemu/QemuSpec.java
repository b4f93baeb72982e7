package dev.kboot.launcher.qemu;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything one QEMU process is started with, as one immutable value: rendered to an argv in
 * exactly one place ({@link QemuCommandLine}), printed by {@code --dry-run} and pinned by tests.
 *
 * @param qemu          the qemu-system-x86_64 executable
 * @param machine       machine type
 * @param accel         accelerator
 * @param cpuModel      the {@code -cpu} model ({@code host}, {@code max}, ...), or "" for QEMU's default
 *                      model (qemu64 on x86_64), which {@code -cpu} is then left out for
 * @param cpus          vCPUs
 * @param memoryBytes   guest RAM in bytes, also the size of the shared memfd backend
 * @param kernel        what {@code -kernel} loads (an ELF vmlinux with a PVH note, or a bzImage)
 * @param initrd        the initrd, if any
 * @param cmdline       the whole kernel command line
 * @param serialSocket  unix socket (bound by kboot) for the serial console ttyS0
 * @param hvcSocket     unix socket (bound by kboot) for the virtio console hvc0
 * @param qmpSocket     unix socket (bound by kboot) for QMP
 * @param agentSocket   unix socket (bound by kboot) for the guest agent's virtio-serial port, if used
 * @param filesystems   vhost-user-fs devices: tag and virtiofsd socket
 * @param extraArgs     --qemu-arg values, appended last
 * @param q35Off        on q35: the machine properties of {@link QemuBinary#Q35_UNUSED} to switch off
 * @param firmware      on q35: the {@code -bios} image (qboot where QEMU ships it), else QEMU's default (SeaBIOS)
 */
public record QemuSpec(
        Path qemu,
        Machine machine,
        Accelerator accel,
        String cpuModel,
        int cpus,
        long memoryBytes,
        Path kernel,
        Optional<Path> initrd,
        String cmdline,
        Path serialSocket,
        Path hvcSocket,
        Path qmpSocket,
        Optional<Path> agentSocket,
        List<Filesystem> filesystems,
        List<String> extraArgs,
        List<String> q35Off,
        Optional<Path> firmware) {

    /** A spec with q35's default devices and firmware (tests, and callers that want QEMU's defaults). */
    public QemuSpec(Path qemu, Machine machine, Accelerator accel, String cpuModel, int cpus, long memoryBytes, Path kernel,
            Optional<Path> initrd, String cmdline, Path serialSocket, Path hvcSocket, Path qmpSocket, Optional<Path> agentSocket,
            List<Filesystem> filesystems, List<String> extraArgs) {
        this(qemu, machine, accel, cpuModel, cpus, memoryBytes, kernel, initrd, cmdline, serialSocket, hvcSocket, qmpSocket,
                agentSocket, filesystems, extraArgs, List.of(), Optional.empty());
    }

    /** The name of the guest agent's virtio-serial port ({@code /sys/class/virtio-ports/*}/name). */
    public static final String AGENT_PORT = "org.kboot.agent";

    /**
     * One vhost-user-fs device.
     *
     * @param tag    the virtiofs tag
     * @param socket the virtiofsd socket
     */
    public record Filesystem(String tag, Path socket) {
    }
}
