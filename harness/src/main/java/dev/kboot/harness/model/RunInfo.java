package dev.kboot.harness.model;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run was run on: the kernel, the closure, the emulator, and when. Any field may be null
 * when unknown (an imported run knows little of its machine).
 *
 * @param kernelRelease    {@code uname -r} of the guest kernel ({@code 6.1.0-56-amd64})
 * @param kernelCmdline    the kernel command line it booted with
 * @param bootspecLabel    the bootspec's label ({@code NixOS 24.05 (Linux 6.1.192)})
 * @param bootspecToplevel the closure's toplevel store path
 * @param qemuVersion      {@code qemu-system-x86_64 --version}'s first line
 * @param accelerator      {@code kvm} or {@code tcg}
 * @param kbootVersion     the kboot version that ran (or imported) it
 * @param phaseTimingsMs   phase name to ms since kboot started, in phase order ({@code boot planned}, {@code guest ready}, ...)
 * @param startTime        when the run started
 * @param endTime          when it ended, or null while it is running (or if it was killed)
 * @param timeoutFactor    what every per-test timeout was multiplied by (the accelerator's
 *                         factor, or {@code --timeout-factor}), or null when unknown (imports)
 */
public record RunInfo(String kernelRelease, String kernelCmdline, String bootspecLabel, String bootspecToplevel,
                      String qemuVersion, String accelerator, String kbootVersion, Map<String, Long> phaseTimingsMs,
                      Instant startTime, Instant endTime, Double timeoutFactor) {
    /** Copies the timings, keeping their order. */
    public RunInfo {
        phaseTimingsMs = phaseTimingsMs == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(phaseTimingsMs));
    }

    /** @return a run info that knows only the kboot version and the start time */
    public static RunInfo started(String kbootVersion, Instant start) {
        return new RunInfo(null, null, null, null, null, null, kbootVersion, null, start, null, null);
    }

    /** @return a copy that records the end time */
    public RunInfo ended(Instant end) {
        return new RunInfo(kernelRelease, kernelCmdline, bootspecLabel, bootspecToplevel, qemuVersion, accelerator,
                kbootVersion, phaseTimingsMs, startTime, end, timeoutFactor);
    }

    /** @return a copy with the guest kernel's release and command line */
    public RunInfo withKernel(String release, String cmdline) {
        return new RunInfo(release, cmdline, bootspecLabel, bootspecToplevel, qemuVersion, accelerator,
                kbootVersion, phaseTimingsMs, startTime, endTime, timeoutFactor);
    }

    /** @return a copy with the bootspec label and toplevel path */
    public RunInfo withBootspec(String label, String toplevel) {
        return new RunInfo(kernelRelease, kernelCmdline, label, toplevel, qemuVersion, accelerator,
                kbootVersion, phaseTimingsMs, startTime, endTime, timeoutFactor);
    }

    /** @return a copy with the QEMU version line and accelerator */
    public RunInfo withMachine(String qemu, String accel) {
        return new RunInfo(kernelRelease, kernelCmdline, bootspecLabel, bootspecToplevel, qemu, accel,
                kbootVersion, phaseTimingsMs, startTime, endTime, timeoutFactor);
    }

    /** @return a copy with the factor per-test timeouts were multiplied by */
    public RunInfo withTimeoutFactor(double factor) {
        return new RunInfo(kernelRelease, kernelCmdline, bootspecLabel, bootspecToplevel, qemuVersion, accelerator,
                kbootVersion, phaseTimingsMs, startTime, endTime, factor);
    }

    /** @return a copy with these phase timings (name to ms since kboot started) */
    public RunInfo withPhases(Map<String, Long> phases) {
        return new RunInfo(kernelRelease, kernelCmdline, bootspecLabel, bootspecToplevel, qemuVersion, accelerator,
                kbootVersion, phases, startTime, endTime, timeoutFactor);
    }
}
