package dev.kboot.launcher.qemu;

import dev.kboot.launcher.Units;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a {@link QemuSpec} to QEMU's argv: direct kernel boot, guest RAM in a shared memfd
 * (vhost-user-fs needs it: {@code -object memory-backend-memfd,share=on} sized like {@code -m}),
 * no default devices, every character device a unix socket kboot bound before QEMU started
 * (QEMU connects as the client, so there is nothing to poll), {@code -no-reboot} so a reboot or
 * a panic ({@code panic=-1}) ends QEMU. On q35 the devices no kboot guest uses are switched off
 * and qboot boots the kernel where QEMU ships it ({@link QemuBinary#Q35_UNUSED},
 * {@link QemuBinary#qboot}); microvm has neither and boots qboot already.
 */
public final class QemuCommandLine {
    private QemuCommandLine() {
    }

    /** @return the argv, argv[0] the QEMU executable */
    public static List<String> render(QemuSpec s) {
        List<String> a = new ArrayList<>();
        String mem = Units.qemuMegabytes(s.memoryBytes());
        a.add(s.qemu().toString());
        a.addAll(List.of("-name", "kboot", "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none"));
        a.add("-machine");
        if (s.machine() == Machine.MICROVM) {
            a.add("microvm,pcie=on,rtc=on,memory-backend=mem");
        } else {
            StringBuilder q35 = new StringBuilder("q35,memory-backend=mem");
            s.q35Off().forEach(p -> q35.append(',').append(p).append("=off"));
            a.add(q35.toString());
            s.firmware().ifPresent(f -> a.addAll(List.of("-bios", f.toString())));
        }
        a.addAll(List.of("-accel", s.accel().qemuName()));
        if (!s.cpuModel().isEmpty()) {
            a.addAll(List.of("-cpu", s.cpuModel()));
        }
        a.addAll(List.of("-smp", Integer.toString(s.cpus())));
        a.addAll(List.of("-m", mem));
        a.addAll(List.of("-object", "memory-backend-memfd,id=mem,size=" + mem + ",share=on"));
        a.addAll(List.of("-kernel", s.kernel().toString()));
        s.initrd().ifPresent(i -> a.addAll(List.of("-initrd", i.toString())));
        a.addAll(List.of("-append", s.cmdline()));
        a.addAll(List.of("-chardev", "socket,id=ttyS0,path=" + s.serialSocket(), "-serial", "chardev:ttyS0"));
        a.addAll(List.of("-chardev", "socket,id=qmp,path=" + s.qmpSocket(), "-mon", "chardev=qmp,mode=control"));
        a.addAll(List.of("-device", "virtio-serial-pci,id=vser0"));
        a.addAll(List.of("-chardev", "socket,id=hvc0,path=" + s.hvcSocket(), "-device", "virtconsole,bus=vser0.0,chardev=hvc0"));
        s.agentSocket().ifPresent(p -> a.addAll(List.of(
                "-chardev", "socket,id=agent,path=" + p,
                "-device", "virtserialport,bus=vser0.0,chardev=agent,name=" + QemuSpec.AGENT_PORT)));
        int i = 0;
        for (QemuSpec.Filesystem fs : s.filesystems()) {
            String id = "fs" + i++;
            a.addAll(List.of("-chardev", "socket,id=" + id + ",path=" + fs.socket(),
                    "-device", "vhost-user-fs-pci,chardev=" + id + ",tag=" + fs.tag()));
        }
        a.addAll(List.of("-device", "virtio-rng-pci"));
        a.addAll(s.extraArgs());
        return a;
    }
}
