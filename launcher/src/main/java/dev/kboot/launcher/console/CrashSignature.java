package dev.kboot.launcher.console;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kernel crash and hang signatures as they appear on the console (the set syzkaller's
 * {@code pkg/report} and kdevops look for). {@link #WARNING} is not fatal: the test running at
 * the time is reported with it; the others end or taint the run.
 */
public enum CrashSignature {
    /** {@code Kernel panic - not syncing: ...}. */
    PANIC("Kernel panic - not syncing", true),
    /** {@code BUG: KASAN: ...}. */
    KASAN("BUG: KASAN:|KASAN:", true),
    /** {@code UBSAN: ...}. */
    UBSAN("UBSAN:", false),
    /** {@code watchdog: BUG: soft lockup - CPU#0 stuck for 22s!}. */
    SOFT_LOCKUP("watchdog: BUG: soft lockup", true),
    /** {@code INFO: task foo:123 blocked for more than 120 seconds.}. */
    HUNG_TASK("INFO: task \\S+ blocked for more than", true),
    /** {@code rcu: INFO: rcu_preempt detected stalls on CPUs/tasks}. */
    RCU_STALL("rcu: INFO: rcu_\\w+ (self-)?detected stall", true),
    /** {@code general protection fault ...}. */
    GPF("general protection fault", true),
    /** {@code Oops: 0002 [#1] SMP} and {@code Oops: general protection fault}. */
    OOPS("Oops:", true),
    /** {@code BUG: unable to handle page fault}, {@code BUG: kernel NULL pointer dereference}, ... */
    BUG("BUG: ", true),
    /** {@code WARNING: CPU: 1 PID: 123 at mm/foo.c:42 func+0x12/0x34}. */
    WARNING("WARNING: CPU: \\d+ PID: \\d+|WARNING: at ", false);

    private final Pattern pattern;
    private final boolean fatal;

    CrashSignature(String regex, boolean fatal) {
        this.pattern = Pattern.compile(regex);
        this.fatal = fatal;
    }

    /** @return whether this signature means the kernel is no longer trustworthy (a crash or hang) */
    public boolean fatal() {
        return fatal;
    }

    /** @return the pattern searched for anywhere in a console line */
    public Pattern pattern() {
        return pattern;
    }

    /**
     * @param line a console line
     * @return the first signature (in declaration order: the most specific first) the line shows
     */
    public static Optional<CrashSignature> match(String line) {
        if (line.indexOf(':') < 0 && line.indexOf("protection") < 0) {
            return Optional.empty(); // fast path: every signature has a ':' or "protection fault"
        }
        for (CrashSignature s : values()) {
            if (s.pattern.matcher(line).find()) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
