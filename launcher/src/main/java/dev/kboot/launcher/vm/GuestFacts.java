package dev.kboot.launcher.vm;

/**
 * What is known about a guest and the machine it runs on, for the results (the harness's
 * {@code RunInfo}). Any field may be null when only the running guest can tell (a libvirt
 * domain booting its own disk knows its kernel release once its agent answers).
 *
 * @param label         the bootspec's label, or null
 * @param toplevel      the closure's toplevel store path, or null
 * @param kernelRelease {@code uname -r} of the guest kernel, or null
 * @param kernelCmdline the kernel command line, or null
 * @param emulator      what runs the guest: QEMU's version line, or the libvirt domain and driver
 * @param accelerator   {@code kvm} or {@code tcg} (with the reason when KVM was unusable), or null
 */
public record GuestFacts(String label, String toplevel, String kernelRelease, String kernelCmdline, String emulator, String accelerator) {

    /** @return the facts of a QEMU boot planned by {@link Planner} */
    public static GuestFacts of(BootPlan plan) {
        return new GuestFacts(plan.closure().bootspec().label(), plan.closure().bootspec().toplevel(), plan.kernelImage().release(),
                plan.cmdline(), plan.qemu().versionLine(), plan.accel().accel().qemuName()
                        + (plan.accel().fellBack() ? " (KVM unusable: " + plan.accel().reason() + ")" : ""));
    }

    /** @return a copy with the kernel's release and command line */
    public GuestFacts withKernel(String release, String cmdline) {
        return new GuestFacts(label, toplevel, release, cmdline, emulator, accelerator);
    }
}
