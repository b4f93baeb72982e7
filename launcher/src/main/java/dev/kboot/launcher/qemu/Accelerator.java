package dev.kboot.launcher.qemu;

/** QEMU accelerators kboot uses. */
public enum Accelerator {
    /** Hardware virtualisation through /dev/kvm. */
    KVM,
    /** QEMU's software emulation (TCG): works everywhere, about 10x slower. */
    TCG;

    /** @return the name QEMU's {@code -accel} takes */
    public String qemuName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
