package dev.kboot.launcher.qemu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostInfoTest {
    @Test
    void tscFrequencyIsPlausible() {
        long khz = HostInfo.tscKhz().orElseThrow();
        assertTrue(khz > 100_000 && khz < 10_000_000, "TSC kHz " + khz);
    }

    @Test
    void bootIdIsAUuid() {
        assertTrue(HostInfo.bootId().matches("[0-9a-f-]{36}"), HostInfo.bootId());
    }
}
