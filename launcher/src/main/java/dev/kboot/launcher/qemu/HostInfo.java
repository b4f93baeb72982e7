package dev.kboot.launcher.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/** Facts about the host that shape a boot. */
public final class HostInfo {
    private HostInfo() {
    }

    /**
     * The host's TSC frequency in kHz, passed to a microvm guest under TCG as
     * {@code tsc_early_khz=} (TCG's TSC runs at the host's rate, and microvm has no PIT for the
     * guest to calibrate against: without it the guest hangs calibrating).
     *
     * <p>Read from {@code /sys/devices/system/cpu/cpu0/tsc_freq_khz} where the kernel exports it,
     * else the first {@code cpu MHz} of /proc/cpuinfo (the TSC rate on constant_tsc hosts).
     *
     * @return kHz, or empty when unknown
     */
    public static Optional<Long> tscKhz() {
        try {
            Path sys = Paths.get("/sys/devices/system/cpu/cpu0/tsc_freq_khz");
            if (Files.isReadable(sys)) {
                return Optional.of(Long.parseLong(Files.readString(sys).trim()));
            }
            for (String l : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (l.startsWith("cpu MHz")) {
                    double mhz = Double.parseDouble(l.substring(l.indexOf(':') + 1).trim());
                    return Optional.of(Math.round(mhz * 1000));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown
        }
        return Optional.empty();
    }

    /** @return this boot's id (/proc/sys/kernel/random/boot_id), or "unknown" */
    public static String bootId() {
        try {
            return Files.readString(Paths.get("/proc/sys/kernel/random/boot_id")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** @return whether kboot runs as root (uid 0) */
    public static boolean isRoot() {
        try {
            return "0".equals(Files.getAttribute(Paths.get("/proc/self"), "unix:uid").toString());
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
