package dev.kboot.launcher.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PollerTest {
    private final AtomicLong clock = new AtomicLong();
    private final Poller poller = new Poller(ms -> clock.addAndGet(ms * 1_000_000), Duration.ofMillis(100));

    @Test
    void returnsTheValueOnceReady() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        var out = poller.poll(Deadline.in(Duration.ofSeconds(5), clock::get),
                () -> tries.incrementAndGet() == 3 ? Optional.of("ok") : Optional.empty(), Optional::empty);
        assertEquals(new Poller.Outcome.Ready<>("ok"), out);
        assertEquals(200_000_000L, clock.get(), "slept twice, on the fake clock");
    }

    @Test
    void timesOutOnTheInjectedClock() throws Exception {
        var out = poller.poll(Deadline.in(Duration.ofMillis(350), clock::get), Optional::empty, Optional::empty);
        assertInstanceOf(Poller.Outcome.TimedOut.class, out);
        assertEquals(350_000_000L, clock.get());
    }

    @Test
    void abortsAtOnceWhenTheProcessDied() throws Exception {
        var out = poller.poll(Deadline.in(Duration.ofSeconds(5), clock::get), Optional::empty, () -> Optional.of("qemu exited with status 1"));
        assertEquals(new Poller.Outcome.Aborted<>("qemu exited with status 1"), out);
        assertEquals(0, clock.get());
    }
}
