package dev.kboot.launcher.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kboot.launcher.qemu.Accelerator;
import dev.kboot.launcher.qemu.Machine;
import dev.kboot.launcher.qemu.QemuBinary;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The doctor checks the kernel's needs on the machine `kboot run` would boot. */
class DoctorMachineTest {
    private static QemuBinary qemu(boolean microvm) {
        return new QemuBinary(Path.of("/usr/bin/qemu-system-x86_64"), "7.2.22", "QEMU emulator version 7.2.22", microvm);
    }

    @Test
    void microvmUnderKvmQ35UnderTcgOrWithoutMicrovm() {
        assertEquals(Machine.MICROVM, Doctor.machineFor(qemu(true), Accelerator.KVM));
        assertEquals(Machine.Q35, Doctor.machineFor(qemu(true), Accelerator.TCG));
        assertEquals(Machine.Q35, Doctor.machineFor(qemu(false), Accelerator.KVM));
    }
}
