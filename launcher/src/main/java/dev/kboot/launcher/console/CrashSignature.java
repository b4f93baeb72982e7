package dev.kboot.launcher.console;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The kinds of kernel report that start an incident on the console, and the line patterns that
 * start each one (the report headers the kernel prints: {@code lib/bug.c}, {@code mm/kasan/report.c},
 * {@code mm/kfence/report.c}, {@code kernel/kcsan/report.c}, {@code mm/kmsan/report.c},
 * {@code lib/ubsan.c}, {@code kernel/locking/lockdep.c}, {@code mm/kmemleak.c},
 * {@code lib/list_debug.c}, {@code kernel/watchdog.c}, {@code kernel/hung_task.c},
 * {@code kernel/rcu/tree_stall.h}, {@code arch/x86/kernel/traps.c}, {@code arch/arm64/kernel/traps.c}
 * and {@code arch/arm64/mm/fault.c}; the same set syzkaller's {@code pkg/report} looks for).
 *
 * <p>{@link #match(String)} is called on every console line of every boot, so it is cheap: a line
 * without any of a few key words is rejected with {@code indexOf} alone, and only the kinds whose key
 * word is present run their pattern.
 *
 * <p>Not reports, although they carry the words: a user-space fault ({@code traps: a.out[12] general
 * protection fault ip:... error:0 in a.out}), a subsystem's message that says {@code WARNING} after its
 * own prefix ({@code XFS (loop4): WARNING: ...}, {@code Speculative Return Stack Overflow: WARNING: ...}),
 * a banner ({@code WARNING: the mand mount option is being deprecated}), {@code INFO: NMI handler ...
 * took too long}, {@code INFO: lockdep is turned off}, debug output such as {@code DEBUG:} and {@code
 * ODEBUG:}, the {@code ---[ end Kernel panic ...]---} line that closes a panic, lkdtm's verdict lines
 * ({@code BUG: saw 'kernel BUG at': ok}). A {@code WARNING} is a
 * report in the forms {@code WARN()} and lockdep print, and as a kernel message that starts with it
 * (see {@link #WARNING}).
 */
public enum CrashSignature {
    /** {@code Kernel panic - not syncing: ...}; also a trusty (TEE) panic relayed by its driver. */
    PANIC(true, "panic", "Kernel panic - not syncing|\\btrusty: panic"),
    /** The kernel started again without saying it would: a firmware or boot banner in the middle of a run. */
    REBOOT(true, "Boot", "^\\s*Booting the kernel\\.|^\\s*SeaBIOS \\(version"),
    /** {@code BUG: KASAN: use-after-free in ...}: the kernel address sanitizer. */
    KASAN(true, "KASAN", "\\bBUG: KASAN: "),
    /** {@code BUG: KFENCE: out-of-bounds read in ...}: the sampling memory-safety detector. */
    KFENCE(true, "KFENCE", "\\bBUG: KFENCE: "),
    /** {@code BUG: KMSAN: uninit-value in ...}: the uninitialised-memory sanitizer. */
    KMSAN(false, "KMSAN", "\\bBUG: KMSAN: "),
    /** {@code BUG: KCSAN: data-race in ...}: the data-race detector. */
    KCSAN(false, "KCSAN", "\\bBUG: KCSAN: "),
    /** {@code UBSAN: shift-out-of-bounds in ...}: the undefined-behaviour sanitizer. */
    UBSAN(false, "UBSAN", "\\bUBSAN: "),
    /** {@code list_add corruption. next->prev should be ...}, {@code list_del corruption, ...}: CONFIG_DEBUG_LIST. */
    LIST_CORRUPTION(true, "corruption|list_debug", "\\blist_(?:add|del|replace|move)(?:_rcu)? corruption\\b|\\bkernel BUG at lib/list_debug\\.c"),
    /** {@code WARNING: possible circular locking dependency detected} and the other lockdep and lock-debugging reports. */
    LOCKDEP(false, "lock|RCU|preemptible|held|Invalid wait|non-static|MAX_",
            "(?:WARNING|INFO|BUG): (?:possible (?:circular locking dependency|recursive locking|irq lock inversion dependency)"
            + "|inconsistent lock state|bad unlock balance|held lock freed|lock held when returning to user space"
            + "|(?:HARDIRQ|SOFTIRQ|IN-\\w+)-safe -> \\S+-unsafe lock order|suspicious RCU usage|[Nn]ested lock was not taken"
            + "|.*still has locks held!|Invalid wait context|MAX_LOCKDEP_|MAX_STACK_TRACE_ENTRIES too low|trying to register non-static key)"
            + "|\\bBUG: (?:spinlock|rwlock) (?:lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU)"
            + "|\\bBUG: using \\S+\\(\\) in preemptible|\\bBUG: workqueue leaked lock"
            + "|\\bWARNING: .*kernel/locking/lockdep\\.c.*lock_"),
    /** {@code BUG: sleeping function called from invalid context}, {@code BUG: scheduling while atomic}. */
    ATOMIC_SLEEP(false, "BUG", "\\bBUG: (?:sleeping function called from invalid context|scheduling while atomic)"),
    /** {@code unreferenced object 0x... (size 64):} (kmemleak's report) or {@code BUG: memory leak}. */
    MEMLEAK(false, "leak|unreferenced", "\\bBUG: memory leak\\b|^(?:\\[[^]]*\\])*\\s*unreferenced object 0x[0-9a-f]+ \\(size \\d+\\)"),
    /** {@code watchdog: BUG: soft lockup - CPU#0 stuck for 22s!}, {@code BUG: workqueue lockup}. */
    SOFT_LOCKUP(true, "lockup", "\\bBUG: soft lockup\\b|\\bBUG: workqueue lockup\\b"),
    /** {@code Watchdog detected hard LOCKUP on cpu 1}. */
    HARD_LOCKUP(true, "LOCKUP", "[Ww]atchdog detected hard LOCKUP"),
    /** {@code INFO: task foo:123 blocked for more than 120 seconds.}, and a network device that never becomes free. */
    HUNG_TASK(true, "INFO|unregister",
            "\\bINFO: task .{0,100}?(?:blocked (?:in I/O wait )?for more than \\d+ seconds|can't die for more than)|\\bINFO: task [^:]*$"
            + "|\\bunregister_netdevice: waiting for \\S+ to become free"),
    /** {@code rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:} (and the older form without {@code rcu: }). */
    RCU_STALL(true, "rcu", "\\bINFO: rcu_(?:preempt|sched|bh|tasks\\w*) (?:self-)?detected(?: expedited)? stall"),
    /** {@code general protection fault, probably for non-canonical address ...} in the kernel (not a user-space trap). */
    GPF(true, "protection", "general protection fault(?!.* error:-?\\d+(?: in |$))(?!: \\d+ \\[#\\d+\\] *$)|general protection fault: 0000 \\[#\\d+\\]"),
    /**
     * The kernel BUG family: {@code BUG: unable to handle page fault}, {@code kernel BUG at fs/x.c:12!}, {@code BUG: Bad page state}, ...;
     * also a bare {@code BUG:} or {@code INFO:} line, a report header cut short.
     */
    BUG(true, "BUG|Unable|VFS|INFO|rust_kernel",
            "(?<!Oops - )\\bBUG: |^(?:<\\d+>)?(?:\\[[^]]*\\])*\\s*(?:BUG|INFO): *$|\\b[Kk]ernel BUG\\b|\\bUnable to handle kernel |\\bBUG kmalloc-\\d+ .*: Object already free"
            + "|\\bVFS: Busy inodes after unmount|\\bVFS: Close: file count is 0|\\bINFO: (?:Freed|Allocated) in \\S+ age=|\\brust_kernel: panicked at "),
    /** A CPU exception in the kernel: {@code Oops: ...}, {@code Internal error: Oops: ...} (arm64), {@code invalid opcode:}, {@code divide error:}, ... */
    OOPS(true, "Oops|error|opcode|int3|segment|double|fault|trap",
            "\\bOops[: ]|\\bInternal error: |\\bdivide[ _]error: |\\binvalid opcode: |\\bint3: |\\bstack segment: |\\bPANIC: double fault"
            + "|\\bUnhandled fault: |\\bAlignment trap: "),
    /**
     * {@code WARNING: CPU: 1 PID: 123 at mm/foo.c:42 func+0x12/0x34} and the other forms {@code WARN()}
     * prints; also a kernel message that starts {@code WARNING:} (the kernel keeps the word for
     * reports, as syzkaller and the kernel test robot read it): after a printk prefix ({@code <6>[
     * 85.501187] WARNING: ...}) or a device's {@code dev_printk} prefix ({@code usb 5-1: WARNING: ...}),
     * unless it is one of the informational notices in {@code Forms.BENIGN_WARNING}. A line without either
     * prefix is user space's ({@code WARNING: Test did not clean up port: 0}, printed by blktests).
     */
    WARNING(false, "WARNING",
            "(?:^|[\\]>])\\s*WARNING: (?:CPU: \\d+ PID: \\d+|at |\\S+:\\d+ at |.* at [\\w/.-]+\\.[a-z]:\\d+ |\\[.*\\] [\\w/.-]+:\\d+ at"
            + "|kernel stack (?:regs|frame pointer) |\\S*\\.[ch]:\\d+ )|(?:^|[\\]>])\\s*WARNING: *$"
            + "|" + Forms.PRINTK + "(?:" + Forms.DEV_PRINTK + ")?" + Forms.MESSAGE + "|^\\s*" + Forms.DEV_PRINTK + Forms.MESSAGE);

    /** Parts of the {@link #WARNING} pattern. */
    private static final class Forms {
        /** printk's prefix: an optional syslog level, the timestamp, an optional caller id ({@code <6>[   85.501187][ T6865] }). */
        static final String PRINTK = "(?:<\\d+>)?\\[\\s*\\d+\\.\\d+\\](?:\\[\\s*[CT]\\d+\\])?\\s*";
        /** {@code dev_printk}'s prefix: the driver and the device ({@code usb 5-1: }, {@code ahci 0000:00:1f.2: }); not {@code XFS (loop4): }. */
        static final String DEV_PRINTK = "[a-z][\\w.-]* [\\w.:-]+: ";
        /**
         * Informational notices the kernel (or user space writing to /dev/kmsg) prints with {@code WARNING:},
         * which are no reports: deprecations ({@code the mand mount option is being deprecated}, {@code uses
         * wireless extensions which will stop working}), CPU vulnerability mitigation advice ({@code Unprivileged
         * eBPF is enabled with eIBRS on, data leaks possible}), sshd's and glibc's messages, fbcon's screen size
         * notice, the workqueue cpumask notice. Case-insensitive (some syslogs upper-case whole lines).
         */
        static final String BENIGN_WARNING = "(?i:.*(?:deprecat|will stop working|mitigation|unprivileged ebpf|not compiled with"
                + "|data leaks? possible|/etc/ssh/moduli|DT_FLAGS_1|missed to adjust virtual screen size|online intersect > possible intersect))";
        /** A message that starts {@code WARNING:}, not a benign one. */
        static final String MESSAGE = "WARNING: (?!" + BENIGN_WARNING + ")\\S";
    }

    /** Words whose absence rejects a line before any pattern runs (every pattern holds one of them). */
    private static final String[] KEYS = {"BUG", "WARNING", "INFO:", "panic", "Oops", "KASAN", "KFENCE", "KMSAN", "KCSAN", "UBSAN",
        "protection fault", "corruption", "Internal error", "Unable to handle", "unreferenced object", "memory leak", "LOCKUP",
        "error:", "opcode:", "int3:", "stack segment:", "double fault", "Unhandled fault", "Alignment trap", "Booting the kernel",
        "SeaBIOS", "unregister_netdevice", "VFS: ", "rust_kernel"};
    /** Lines that carry a key word but are not kernel reports (see the class comment). */
    private static final Pattern NOT_A_REPORT = Pattern.compile(
            "\\btraps: |\\bODEBUG: |\\bDEBUG: |INFO: NMI handler|INFO: lockdep is turned off|INFO: Stall ended before state dump"
            + "|---\\[ end Kernel panic|: (?:saw|missing) '[^']*': "
            + "|(?:handler|interrupt).* took too long|\\bBUG: no syscalls can create|\\bINFO: recovery required"
            );

    private final boolean fatal;
    private final String[] keys;
    private final Pattern pattern;

    CrashSignature(boolean fatal, String keys, String regex) {
        this.fatal = fatal;
        this.keys = keys.split("\\|");
        this.pattern = Pattern.compile(regex);
    }

    /**
     * @return whether this kind means the kernel can no longer be trusted (a crash, a hang, memory
     *         corruption); WARNING, UBSAN, KCSAN, KMSAN, LOCKDEP, ATOMIC_SLEEP and MEMLEAK reports
     *         leave it running as it was
     */
    public boolean fatal() {
        return fatal;
    }

    /** @return the pattern searched for anywhere in a console line */
    public Pattern pattern() {
        return pattern;
    }

    /**
     * @param line a console line, with or without its printk timestamp
     * @return the kind of report the line starts, if it starts one: the first kind in declaration order
     *         (the most specific first) whose pattern it shows
     */
    public static Optional<CrashSignature> match(String line) {
        if (!anyKey(line) || NOT_A_REPORT.matcher(line).find()) {
            return Optional.empty();
        }
        for (CrashSignature s : values()) {
            if (s.hasKey(line) && s.pattern.matcher(line).find()) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    private boolean hasKey(String line) {
        for (String k : keys) {
            if (line.contains(k)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyKey(String line) {
        for (String k : KEYS) {
            if (line.contains(k)) {
                return true;
            }
        }
        return false;
    }
}
