package dev.kboot.launcher.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {
    static QemuSpec spec(Machine m, Accelerator a, boolean agent) {
        return new QemuSpec(Path.of("/usr/bin/qemu-system-x86_64"), m, a, a == Accelerator.KVM ? "host" : "max", 2, 1L << 30, Path.of("/cache/k.elf"),
                Optional.of(Path.of("/store/i/initrd")), "loglevel=4 root=tmpfs init=/nix/store/x/init",
                Path.of("/run/r/ttyS0.sock"), Path.of("/run/r/hvc0.sock"), Path.of("/run/r/qmp.sock"),
                agent ? Optional.of(Path.of("/run/r/agent.sock")) : Optional.empty(),
                List.of(new QemuSpec.Filesystem("store", Path.of("/run/r/fs-store.sock")),
                        new QemuSpec.Filesystem("modules", Path.of("/run/r/fs-modules.sock"))),
                List.of("-device", "virtio-balloon-pci"));
    }

    @Test
    void microvmUnderTcgPinned() {
        assertEquals(List.of("/usr/bin/qemu-system-x86_64", "-name", "kboot", "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none",
                "-machine", "microvm,pcie=on,rtc=on,memory-backend=mem", "-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", "1024M",
                "-object", "memory-backend-memfd,id=mem,size=1024M,share=on",
                "-kernel", "/cache/k.elf", "-initrd", "/store/i/initrd", "-append", "loglevel=4 root=tmpfs init=/nix/store/x/init",
                "-chardev", "socket,id=ttyS0,path=/run/r/ttyS0.sock", "-serial", "chardev:ttyS0",
                "-chardev", "socket,id=qmp,path=/run/r/qmp.sock", "-mon", "chardev=qmp,mode=control",
                "-device", "virtio-serial-pci,id=vser0",
                "-chardev", "socket,id=hvc0,path=/run/r/hvc0.sock", "-device", "virtconsole,bus=vser0.0,chardev=hvc0",
                "-chardev", "socket,id=fs0,path=/run/r/fs-store.sock", "-device", "vhost-user-fs-pci,chardev=fs0,tag=store",
                "-chardev", "socket,id=fs1,path=/run/r/fs-modules.sock", "-device", "vhost-user-fs-pci,chardev=fs1,tag=modules",
                "-device", "virtio-rng-pci", "-device", "virtio-balloon-pci"),
                QemuCommandLine.render(spec(Machine.MICROVM, Accelerator.TCG, false)));
    }

    @Test
    void kvmUsesTheHostCpu() {
        List<String> a = QemuCommandLine.render(spec(Machine.MICROVM, Accelerator.KVM, false));
        assertEquals(List.of("-accel", "kvm", "-cpu", "host"), a.subList(a.indexOf("-accel"), a.indexOf("-accel") + 4));
    }

    @Test
    void cpuModelIsHostUnderKvmMaxUnderTcgAndQemusDefaultWithFast() {
        assertEquals("host", dev.kboot.launcher.vm.Planner.cpuModel(Accelerator.KVM, false));
        assertEquals("host", dev.kboot.launcher.vm.Planner.cpuModel(Accelerator.KVM, true));
        assertEquals("max", dev.kboot.launcher.vm.Planner.cpuModel(Accelerator.TCG, false));
        assertEquals("", dev.kboot.launcher.vm.Planner.cpuModel(Accelerator.TCG, true));
        QemuSpec s = spec(Machine.MICROVM, Accelerator.TCG, false);
        QemuSpec noModel = new QemuSpec(s.qemu(), s.machine(), s.accel(), "", s.cpus(), s.memoryBytes(), s.kernel(), s.initrd(),
                s.cmdline(), s.serialSocket(), s.hvcSocket(), s.qmpSocket(), s.agentSocket(), s.filesystems(), s.extraArgs());
        assertTrue(!QemuCommandLine.render(noModel).contains("-cpu"), "QEMU's default model: no -cpu at all");
    }

    @Test
    void q35KeepsTheSharedMemoryBackend() {
        List<String> a = QemuCommandLine.render(spec(Machine.Q35, Accelerator.KVM, false));
        assertEquals("q35,memory-backend=mem", a.get(a.indexOf("-machine") + 1));
        assertTrue(a.contains("memory-backend-memfd,id=mem,size=1024M,share=on"));
    }

    @Test
    void q35SwitchesOffWhatQemuCanAndBootsTheFirmwareGiven() {
        QemuSpec s = spec(Machine.Q35, Accelerator.TCG, false);
        QemuSpec lean = new QemuSpec(s.qemu(), s.machine(), s.accel(), s.cpuModel(), s.cpus(), s.memoryBytes(), s.kernel(), s.initrd(),
                s.cmdline(), s.serialSocket(), s.hvcSocket(), s.qmpSocket(), s.agentSocket(), s.filesystems(), s.extraArgs(),
                List.of("i8042", "sata", "smbus", "vmport"), Optional.of(Path.of("/usr/share/qemu/qboot.rom")));
        List<String> a = QemuCommandLine.render(lean);
        int m = a.indexOf("-machine");
        assertEquals(List.of("-machine", "q35,memory-backend=mem,i8042=off,sata=off,smbus=off,vmport=off", "-bios", "/usr/share/qemu/qboot.rom"),
                a.subList(m, m + 4));
        // microvm has neither: its own firmware is qboot already, its devices are few
        QemuSpec micro = new QemuSpec(s.qemu(), Machine.MICROVM, s.accel(), s.cpuModel(), s.cpus(), s.memoryBytes(), s.kernel(), s.initrd(),
                s.cmdline(), s.serialSocket(), s.hvcSocket(), s.qmpSocket(), s.agentSocket(), s.filesystems(), s.extraArgs(),
                lean.q35Off(), lean.firmware());
        List<String> b = QemuCommandLine.render(micro);
        assertEquals("microvm,pcie=on,rtc=on,memory-backend=mem", b.get(b.indexOf("-machine") + 1));
        assertTrue(!b.contains("-bios"), b.toString());
    }

    @Test
    void agentPortIsANamedVirtioSerialPort() {
        List<String> a = QemuCommandLine.render(spec(Machine.MICROVM, Accelerator.TCG, true));
        int i = a.indexOf("socket,id=agent,path=/run/r/agent.sock");
        assertTrue(i > 0);
        assertEquals("virtserialport,bus=vser0.0,chardev=agent,name=org.kboot.agent", a.get(i + 2));
    }
}
