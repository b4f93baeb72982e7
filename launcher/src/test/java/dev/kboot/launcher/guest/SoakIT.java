package dev.kboot.launcher.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.process.RunDirectory;
import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.BootRequest;
import dev.kboot.launcher.vm.Planner;
import dev.kboot.launcher.vm.VmEnd;
import dev.kboot.launcher.vm.VmOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The soak: consecutive boots of the sample closure in one JVM through the Java API, each running
 * commands (output, stdin, a timeout) and powering off, with the JVM's open file descriptors,
 * threads, this JVM's run directories and child processes measured after each. Nothing may grow:
 * a leak of one fd or thread per boot is what kills a CI runner after a week.
 *
 * <p>{@code -Dkboot.soak.boots=N}: 6 by default (the CI run), 100 for the full soak. The figures
 * are printed.
 */
class SoakIT {
    static final int BOOTS = Integer.getInteger("kboot.soak.boots", 6);
    static final int WARMUP = 2;
    static final Duration T = Duration.ofSeconds(60);

    static int fds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }

    static int runDirectories() throws IOException {
        Path base = RunDirectory.base();
        if (!Files.isDirectory(base)) {
            return 0;
        }
        String mine = "run-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> s = Files.list(base)) {
            return (int) s.filter(p -> p.getFileName().toString().startsWith(mine)).count();
        }
    }

    static long children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
    }

    record Figures(int boot, long ms, int fds, int threads, int runDirs, long children) {
        @Override
        public String toString() {
            return String.format("boot %3d: %6d ms, %3d fds, %3d threads, %d run directories more, %d children", boot, ms, fds, threads, runDirs, children);
        }
    }

    @Test
    @Timeout(value = 180, unit = java.util.concurrent.TimeUnit.MINUTES)
    void consecutiveBootsLeakNothing() throws Exception {
        BootPlan plan = Planner.plan(BootRequest.of(GuestIT.SAMPLE).withAgent(true), false);
        Random random = new Random(5);
        List<Figures> figures = new ArrayList<>();
        int runDirsBefore = runDirectories(); // failed runs of other tests in this JVM keep theirs
        for (int i = 1; i <= BOOTS; i++) {
            long t0 = System.nanoTime();
            try (Guest g = Guest.boot(plan, VmOptions.quiet(), Duration.ofMinutes(5))) {
                assertEquals("ok\n", g.exec("echo ok", T).out());
                byte[] data = new byte[64 << 10];
                random.nextBytes(data);
                Execution cat = g.start("cat", T, true, null);
                cat.write(data);
                cat.closeStdin();
                assertArrayEquals(data, g.await(cat).stdout());
                assertEquals(1 << 20, g.exec("head -c 1048576 /dev/zero", T).stdout().length);
                assertEquals(ExecResult.Ending.TIMED_OUT, g.exec("sleep 30", Duration.ofMillis(300)).ending());
                VmEnd end = g.shutdown();
                assertEquals(VmEnd.Kind.POWERED_OFF, end.kind(), end.message());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // The reaper and the daemons are gone once the guest is closed; give the JVM's
            // process reaper a moment to notice.
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (children() > 0 && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            Figures f = new Figures(i, ms, fds(), ManagementFactory.getThreadMXBean().getThreadCount(), runDirectories() - runDirsBefore, children());
            figures.add(f);
            System.out.println("soak: " + f);
        }
        Figures base = figures.get(Math.min(WARMUP, figures.size()) - 1);
        Figures last = figures.get(figures.size() - 1);
        int maxFds = figures.stream().mapToInt(Figures::fds).max().orElse(0);
        int maxThreads = figures.stream().mapToInt(Figures::threads).max().orElse(0);
        long median = figures.stream().mapToLong(Figures::ms).sorted().skip(figures.size() / 2).findFirst().orElse(0);
        System.out.printf("soak: %d boots with commands in one JVM; after boot %d: %d fds, %d threads; after boot %d: %d fds, %d threads "
                        + "(max %d fds, %d threads); run directories left by it: %d; children left: %d; median boot+commands+poweroff %d ms%n",
                BOOTS, base.boot(), base.fds(), base.threads(), last.boot(), last.fds(), last.threads(), maxFds, maxThreads,
                last.runDirs(), last.children(), median);
        for (Figures f : figures) {
            assertEquals(0, f.runDirs(), "every run directory removed: " + f);
            assertEquals(0, f.children(), "no child left: " + f);
        }
        // No growth: after the warm-up, the figures stay within a small band (pooled threads come
        // and go), and the last boot is no higher than the band.
        assertTrue(last.fds() <= base.fds() + 4, "open fds grew: " + base + " -> " + last);
        assertTrue(last.threads() <= base.threads() + 4, "threads grew: " + base + " -> " + last);
        assertTrue(maxFds <= base.fds() + 8, "open fds peaked at " + maxFds + " after " + base);
    }
}
