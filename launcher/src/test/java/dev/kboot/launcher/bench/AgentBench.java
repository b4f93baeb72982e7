package dev.kboot.launcher.bench;

import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.guest.OutputListener;
import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.BootRequest;
import dev.kboot.launcher.vm.Planner;
import dev.kboot.launcher.vm.VmOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The guest-command benchmark (bench/agent-bench.sh): in one boot of the sample closure,
 * <ul>
 *   <li>the round trip of {@code true} over N commands (median, p95), next to what running
 *       {@code /bin/sh -c true} costs inside the guest by itself (a loop timed in the guest), so
 *       the ratio is kboot's own overhead per command;</li>
 *   <li>the same for what the NixOS test driver's framing makes the guest do per command
 *       ({@code (cmd) | (base64 -w 0; echo); echo $?}), for comparison, measured in the guest;</li>
 *   <li>the throughput of a 64 MiB stdout stream, in MiB/s.</li>
 * </ul>
 * Usage: {@code AgentBench RESULT [N]}.
 */
public final class AgentBench {
    private AgentBench() {
    }

    public static void main(String[] args) throws Exception {
        Path result = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Duration t = Duration.ofMinutes(5);
        BootPlan plan = Planner.plan(BootRequest.of(result).withAgent(true), false);
        try (Guest g = Guest.boot(plan, VmOptions.quiet(), Duration.ofMinutes(5))) {
            System.out.printf("guest: %s on %s/%s%n", g.hello(), plan.machine().qemuName(), plan.accel().accel().qemuName());
            for (int i = 0; i < 20; i++) {
                g.exec("true", t); // warm-up
            }
            long[] rtt = new long[n];
            long[] inGuest = new long[n];
            for (int i = 0; i < n; i++) {
                long s = System.nanoTime();
                ExecResult r = g.exec("true", t);
                rtt[i] = System.nanoTime() - s;
                inGuest[i] = r.duration().toNanos();
                if (!r.succeeded()) {
                    throw new IllegalStateException("true failed: " + r.describe());
                }
            }
            Arrays.sort(rtt);
            Arrays.sort(inGuest);
            double median = rtt[n / 2] / 1e6;
            double p95 = rtt[(int) Math.ceil(n * 0.95) - 1] / 1e6;
            // what the command itself cost in the guest: fork to exit, as the agent measured it
            double local = inGuest[n / 2] / 1e6;
            double viaShell = perCommandInGuest(g, n, "/bin/sh -c true");
            double nixos = perCommandInGuest(g, n, "/bin/sh -c '(true) | (base64 -w 0; echo); echo $?' >/dev/null");
            System.out.printf("round trip of `true` over %d commands: median %.2f ms, p95 %.2f ms%n", n, median, p95);
            System.out.printf("the command itself in the guest (fork to exit, measured by the agent): median %.2f ms; `/bin/sh -c true` in a guest loop: %.2f ms%n", local, viaShell);
            System.out.printf("kboot's overhead per command: median round trip / command's own cost = %.2f (%.2f ms of transport and protocol)%n", median / local, median - local);
            System.out.printf("NixOS-driver framing in the guest alone ((cmd) | base64; echo $?): %.2f ms per command, before its two round trips%n", nixos);

            long bytes = 64L << 20;
            String producer = "dd if=/dev/zero bs=1048576 count=64 2>/dev/null";
            // The reference: the same stream through a pipe inside the guest, timed by the guest.
            ExecResult ref = g.exec("s=$(cat /proc/uptime); " + producer + " | dd bs=1048576 of=/dev/null 2>/dev/null; e=$(cat /proc/uptime); echo ${s%% *} ${e%% *}", t);
            String[] se = ref.out().trim().split(" ");
            double refSecs = Double.parseDouble(se[1]) - Double.parseDouble(se[0]);
            AtomicLong got = new AtomicLong();
            long s = System.nanoTime();
            ExecResult r = g.exec(producer, t, new OutputListener() {
                @Override
                public void stdout(byte[] data) {
                    got.addAndGet(data.length);
                }

                @Override
                public void stderr(byte[] data) {
                }
            });
            double secs = (System.nanoTime() - s) / 1e9;
            if (!r.succeeded() || got.get() != bytes) {
                throw new IllegalStateException("stream: " + r.describe() + ", " + got.get() + " bytes");
            }
            System.out.printf("64 MiB stdout stream to the host: %.2f s, %.1f MiB/s (the same stream through a pipe inside the guest: %.1f MiB/s)%n",
                    secs, 64 / secs, 64 / refSecs);
            g.shutdown();
        }
    }

    /** Runs {@code cmd} n times in a guest-side loop and returns the guest's own ms per run. */
    private static double perCommandInGuest(Guest g, int n, String cmd) {
        ExecResult r = g.exec("s=$(cat /proc/uptime); i=0; while [ $i -lt " + n + " ]; do " + cmd + "; i=$((i+1)); done; e=$(cat /proc/uptime); "
                + "echo ${s%% *} ${e%% *}", Duration.ofMinutes(5));
        String[] se = r.out().trim().split(" ");
        return (Double.parseDouble(se[1]) - Double.parseDouble(se[0])) * 1000 / n;
    }
}
