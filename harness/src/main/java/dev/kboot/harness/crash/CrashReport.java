package dev.kboot.harness.crash;

import dev.kboot.launcher.console.CrashSignature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives a kernel report a stable title, in the style of syzkaller's {@code pkg/report} titles
 * ({@code KASAN: use-after-free Read in aead_recvmsg}, {@code WARNING in kvm_arch_vcpu_ioctl_run},
 * {@code INFO: task hung in do_exit}, {@code BUG: soft lockup in smp_call_function}): the kind of
 * report and the function it is about, with addresses, numbers and offsets taken out, so that the
 * same bug seen on two runs (or two machines) has the same title.
 *
 * <p>The function is found as a kernel developer would: the faulting frame ({@code RIP:}, {@code pc :})
 * or the function the header names, else the first frame of the call trace, passing over the helpers
 * that only report or carry the fault (printk, the sanitizers, the allocators, string and list helpers,
 * locking primitives, syscall entry); for stalls and lockups the caller-most frame before the code that
 * dispatched the work (the syscall entry, the workqueue, the timer); for hung tasks the first frame
 * that is not waiting. A report whose stack cannot be found is titled {@code ... in corrupted}.
 *
 * <p>Pure: no I/O, no logging; never throws on any input.
 */
public final class CrashReport {
    /** A console prefix: an optional syslog level, a printk timestamp, an optional caller id (CONFIG_PRINTK_CALLER). */
    private static final Pattern PREFIX = Pattern.compile("^(?:\\*\\* \\d+ printk messages dropped \\*\\* )?(?:.* login: )?"
            + "(?:<\\d+>)?\\[\\s*\\d+\\.\\d+\\](?:\\[\\s*([CT])(\\d+)\\])? ?");
    /** A stack frame: {@code  func+0x1a/0x80}, {@code [<ffffffff81234567>] ? func.cold+0x3/0x10 [mod]}. */
    private static final Pattern FRAME = Pattern.compile(
            "^\\s*(?:\\[<?(?:0x)?[0-9a-f]+>?\\]\\s*){0,2}(\\?\\s+)?([A-Za-z0-9_]+)(?:\\.[A-Za-z0-9_.]+)?\\+0x[0-9a-f]+");
    /** A 32-bit ARM frame, which names the function and its caller: {@code [<c0a73020>] (kmalloc_oob_right) from [<c0a7a140>] (kunit_try_run_case+0x98/0x120)}. */
    private static final Pattern ARM_FRAME = Pattern.compile(
            "^\\s*\\[<?(?:0x)?[0-9a-f]+>?\\]\\s*\\(([A-Za-z0-9_]+)[^)]*\\) from \\[<?(?:0x)?[0-9a-f]+>?\\]\\s*\\(([A-Za-z0-9_]+)[.+]");
    /** A frame of 32-bit ARM's unwinder since 5.x: {@code  smp_call_function_many_cond from smp_call_function+0x34/0x3c} (the caller is the next line's function). */
    private static final Pattern ARM_UNWIND_FRAME = Pattern.compile("^\\s*([A-Za-z0-9_]+)(?:\\.[A-Za-z0-9_.]+)? from [A-Za-z0-9_.]+\\+0x[0-9a-f]+/0x[0-9a-f]+");
    /** The faulting instruction's line: x86 {@code RIP: 0010:func+0x..}, arm64 {@code pc : func+0x..}, older {@code IP:}, {@code PC is at}. */
    private static final Pattern PC = Pattern.compile("^\\s*(?:RIP: (?:[0-9a-f]{4}:)?|IP: |pc : |PC is at |NIP[: ]\\s*)"
            + "(?:\\[<?(?:0x)?[0-9a-f]+>?\\]\\s*){0,2}(?:([A-Za-z0-9_]+)(?:\\.[A-Za-z0-9_.]+)?\\+0x)?");
    private static final Pattern CALL_TRACE = Pattern.compile("Call [Tt]race:|Backtrace:");
    /** Where a new stack trace starts (a frame search stops there). */
    private static final Pattern STACK_START = Pattern.compile("Call [Tt]race|Allocated(?: by task \\d+)?:|Freed(?: by task \\d+)?:"
            + "|[^k] backtrace(?: \\(crc [0-9a-f]*\\))?:|^backtrace(?: \\(crc [0-9a-f]*\\))?:|Backtrace:|Uninit was stored to memory at");
    /** A frame of fault injection's stack, which interleaves with reports and makes them unreliable. */
    private static final Pattern FAULT_INJECTION = Pattern.compile("^\\s*(?:\\[<?(?:0x)?[0-9a-f]+>?\\])?\\s*should_fail(?:slab)?(?:\\.[a-z0-9.]+)?\\+0x");

    /**
     * Functions that report or carry a fault rather than cause it: never the title's function.
     * Matched anywhere in the function name unless anchored.
     */
    private static final Pattern SKIP = Pattern.compile(String.join("|", List.of(
            // the sanitizers and the reporting machinery
            "__sanitizer", "__asan", "kasan", "hwasan", "__msan", "kmsan", "kcsan_setup_watchpoint", "check_memory_region",
            "check_heap_object", "check_object", "read_word_at_a_time", "(?:read|write)_once_.*nocheck", "print_address_description",
            "panic", "invalid_op", "report_bug", "fixup_bug", "print_report", "print_usage_bug", "do_error", "_trap$", "do_trap",
            "show_stack", "dump_stack", "walk_stack", "dump_backtrace", "unwind_backtrace", "warn_slowpath", "warn_alloc", "warn_bogus", "__warn",
            "print_tainted", "^get_taint$", "__fortify_report", "stack_trace_consume_entry", "arch_stack_walk", "stack_trace_save",
            "hex_dump_to_buffer", "print_hex_dump", "assertfail", "__might_resched", "__might_fault", "might_fault", "might_sleep",
            "program_check_exception", "program_check_common",
            // allocators and the page cache
            "alloc_page", "k?v?(?:m|z|c)alloc", "krealloc", "kmem_cache", "allocate_slab", "__alloc_frozen_pages", "folio_(?:alloc|unlock)",
            "filemap_alloc_folio", "__filemap_get_folio", "find_or_create_page", "do_read_cache_folio", "read_cache_page",
            "pagecache_get_page", "grab_cache_page_write_begin", "slab_", "^kv?free$", "kfree_skb", "memdup", "strdup", "strndup",
            "xas_(?:start|load|find)", "find_lock_entries", "truncate_inode_pages_range", "__phys_addr",
            // debug objects, locking, atomics, refcounts
            "debug_object", "timer_is_static_object", "work_is_static_object", "print_unlock", "imbalance_bug", "lockdep", "bh_enable",
            "bh_disable", "perf_trace", "lock_acquire", "lock_release", "lock_class", "mark_lock", "(?:reacquire|mark)_held_locks",
            "raw_spin_rq", "spin_lock", "spin_trylock", "spin_unlock", "read_lock", "read_trylock", "write_lock", "write_trylock",
            "read_unlock", "write_unlock", "^down$", "down_read", "down_write", "down_trylock", "up_read", "up_write", "^mutex_",
            "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock", "osq_unlock",
            "atomic(?:64)?_(?:dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)", "(?:set|clear|change|test)_bit",
            "__wake_up", "^refcount_", "^kref_", "ref_tracker", "seqprop_assert", "(?:trace|lockdep)_(?:hard|soft)irq",
            "^(?:un)?lock_page", "lock_timer_base",
            // string, memory and user-copy helpers
            "memcpy", "memcmp", "memset", "memchr", "memmove", "strcmp", "strncmp", "strcpy", "strlcpy", "strncpy", "strscpy",
            "strlen", "strstr", "strnstr", "strnlen", "strchr", "copy_to_user", "copy_from_user", "copy_to_iter", "copy_from_iter",
            "copy_page_to_iter", "copy_page_from_iter", "copy_folio_to_iter", "^copyin$", "^copyout$", "put_user", "get_user",
            "string", "pointer", "snprintf", "scnprintf", "kasprintf", "kvasprintf", "printk", "va_format", "dev_(?:info|notice|warn|err|alert|crit|emerg)",
            "^crc\\d+", "crc_itu_t", "_indirect_thunk_", "extract_(?:user|iter)_to_sg",
            // containers
            "list_add", "list_del", "list_replace", "list_move", "list_splice", "^rb_", "^__rb_", "^klist_", "rhashtable_lookup",
            "ida_free",
            // timers, work, waiting
            "del_timer", "__timer_delete_sync", "sk_stop_timer_sync", "__mod_timer", "flush_work", "__cancel_work_timer",
            "cancel_work_sync", "try_to_grab_pending", "flush_workqueue", "drain_workqueue", "destroy_workqueue", "queue_work",
            "insert_work", "__queue_delayed_work", "queue_delayed_work_on", "finish_wait", "kthread_stop", "^complete$",
            "wait_for_completion", "cleanup_srcu_struct",
            // the device model and USB core, which warn on behalf of their callers
            "kobject_", "add_uevent_var", "get_device_parent", "device_add", "device_del", "device_unregister", "device_destroy",
            "device_release", "devres_release_all", "hwrng_unregister", "i2c_del_adapter", "__unregister_client",
            "device_for_each_child", "rollback_registered", "unregister_netdev", "sysfs_remove", "device_remove_file",
            "tty_unregister_device", "^put_device$", "dummy_urb_enqueue", "usb_kill_urb", "usb_kill_anchored_urbs", "usb_control_msg",
            "usb_hcd_submit_urb", "usb_submit_urb",
            // MMIO accessors, inode and dentry references, buffers
            "readb$", "readw$", "readl$", "readq$", "writeb$", "writew$", "writel$", "writeq$", "logic_in", "logic_out",
            "^iput$", "^iput_final$", "^ihold$", "drop_nlink", "fast_dput", "dput", "mark_buffer_dirty",
            // the arm64 fault path
            "do_(?:kernel|translation)_fault", "do_mem_abort", "el1_abort", "el1h_64_sync(?:_handler)?")));
    /** Syscall wrapper prefixes; the longest one that applies is taken off a frame. */
    private static final List<String> SYSCALL_PREFIXES = List.of("compat_SYSC_", "compat_SyS_", "__se_sys_", "__do_sys_", "____sys_",
            "___sys_", "__arm64_", "__ia32_", "__x64_", "__sys_", "SYSC_", "SyS_", "sys_", "__se_", "ksys_");

    /**
     * The parsed report.
     *
     * @param kind      the kind of report
     * @param title     its title, e.g. {@code KASAN: use-after-free Read in aead_recvmsg}
     * @param corrupted whether the report's stack could not be found (the title then ends {@code in corrupted})
     */
    public record Parsed(CrashSignature kind, String title, boolean corrupted) {
    }

    private CrashReport() {
    }

    /**
     * Titles a report.
     *
     * @param kind   the kind of report, as the console detector ({@link CrashSignature#match}) named it
     * @param lines  the console lines around the report, with or without printk prefixes
     * @param header the index in {@code lines} of the line that started the report
     * @return the title; never null, never blank
     */
    public static Parsed parse(CrashSignature kind, List<String> lines, int header) {
        try {
            Report r = Report.of(lines, Math.max(0, Math.min(header, lines.size() - 1)), kind);
            if (r.lines.isEmpty()) {
                return new Parsed(kind, kind.name(), true);
            }
            for (Rule rule : RULES) {
                if (rule.kinds.contains(kind)) {
                    Matcher m = rule.header.matcher(r.lines.get(0));
                    if (m.find()) {
                        String t = rule.title.apply(new Match(r, m));
                        if (t == null) {
                            // the header's form, but not the report's: the report is cut short or garbled
                            return new Parsed(kind, normalise(fallback(kind, r.lines.get(0))), true);
                        }
                        String title = normalise(t);
                        return new Parsed(kind, title, title.endsWith(" in corrupted") || title.endsWith(": corrupted"));
                    }
                }
            }
            return new Parsed(kind, normalise(fallback(kind, r.lines.get(0))), false);
        } catch (RuntimeException e) {
            return new Parsed(kind, kind.name(), true);
        }
    }

    /** @return just the title of {@link #parse} */
    public static String title(CrashSignature kind, List<String> lines, int header) {
        return parse(kind, lines, header).title();
    }

    /** The words a report's header starts with: a report that cannot be read further is titled by its header from there on. */
    private static final Pattern HEADER_START = Pattern.compile("BUG:|WARNING:|INFO:|Unable to handle kernel|general protection fault"
            + "|stack segment: |Kernel panic|PANIC: |[Kk]ernel BUG|BUG kmalloc-|divide[ _]error:|invalid opcode:|int3:|UBSAN:"
            + "|Internal error:|Oops|unreferenced object|list_\\w+ corruption|rust_kernel: panicked|trusty: panic");

    private static String fallback(CrashSignature kind, String header) {
        Matcher m = HEADER_START.matcher(header);
        String h = (m.find() ? header.substring(m.start()) : header).strip();
        return h.isEmpty() ? kind.name() : h;
    }

    // ------------------------------------------------------------------------------------------
    // The report as lines of one context, from its header on.

    /** The report's lines: prefixes stripped, only the header's context (task, CPU or plain console), questionable frames dropped. */
    private record Report(List<String> lines) {
        static Report of(List<String> all, int header, CrashSignature kind) {
            Ctx h = ctx(all.get(header));
            List<String> out = new ArrayList<>();
            boolean cpuTraceback = false;
            for (int i = header; i < all.size(); i++) {
                String raw = all.get(i);
                Ctx c = ctx(raw);
                if (raw.contains("Sending NMI from CPU") || raw.contains("NMI backtrace for cpu")) {
                    cpuTraceback = true;
                }
                boolean same = c.kind.equals(h.kind) && (h.id.isEmpty() || c.id.equals(h.id) || cpuTraceback && c.kind.equals("C"));
                if (i != header && !same) {
                    continue;
                }
                String t = c.text;
                if (i != header && (h.kind.isEmpty() || h.kind.equals("console")) && startsAnother(raw, kind)) {
                    break; // without caller ids, lines of a second report cannot be told from this one's
                }
                if (i != header && !t.contains("<EOI>") && QUESTIONABLE.matcher(t).find()) {
                    continue;
                }
                if (i != header && t.contains("Disabling lock debugging due to kernel taint")) {
                    continue;
                }
                out.add(t);
            }
            return new Report(out);
        }
    }

    /** Headers that do not start a report of their own: they come inside the one before (an Oops's panic, a double fault). */
    private static final Pattern INSIDE = Pattern.compile("invalid opcode: 0000|Kernel panic - not syncing|unregister_netdevice: waiting for"
            + "|PANIC: double fault|Internal error:|\\bOops: \\d|list_\\w+ corruption");

    /** Messages that are not reports but print a stack of their own, which would be taken for the report's. */
    private static final Pattern INFO_WITH_STACK = Pattern.compile("vmalloc: allocation failure:|FAULT_INJECTION: forcing a failure"
            + "|FAULT_FLAG_ALLOW_RETRY missing");

    private static boolean startsAnother(String line, CrashSignature kind) {
        if (INFO_WITH_STACK.matcher(line).find()) {
            return true;
        }
        var k = CrashSignature.match(line);
        if (k.isEmpty() || INSIDE.matcher(line).find()) {
            return false;
        }
        // kmemleak lists its objects one after another; a list_debug message is followed by its BUG
        return !(k.get() == kind && (kind == CrashSignature.MEMLEAK || kind == CrashSignature.LIST_CORRUPTION));
    }

    /** A printk timestamp after other text on the line (two console writers interleaved). */
    private static final Pattern GLUED_PREFIX = Pattern.compile("\\[\\s*\\d+\\.\\d{6}\\](?:\\[\\s*([CT])(\\d+)\\])? ");

    private static final Pattern QUESTIONABLE = Pattern.compile("^\\s*(?:\\[<?(?:0x)?[0-9a-f]+>?\\])?\\s*\\? ");

    /** A line's context: {@code ""} without a printk timestamp, {@code "console"} with one, {@code T}/{@code C} with a caller id. */
    private record Ctx(String kind, String id, String text) {
    }

    private static Ctx ctx(String line) {
        Matcher m = PREFIX.matcher(line);
        if (!m.find()) {
            Matcher glued = GLUED_PREFIX.matcher(line);
            if (glued.find()) {
                // another line's unfinished output, then this line's timestamp: the rest is a console line
                return new Ctx(glued.group(1) == null ? "console" : glued.group(1), glued.group(1) == null ? "" : glued.group(2),
                        line.substring(glued.end()));
            }
            return new Ctx("", "", line);
        }
        String text = line.substring(m.end());
        if (m.group(1) == null) {
            return new Ctx("console", "", text);
        }
        return new Ctx(m.group(1), m.group(2), text);
    }

    // ------------------------------------------------------------------------------------------
    // Finding the function a report is about.

    /** Where the search stands in the report. */
    private static final class Cursor {
        final List<String> lines;
        int at;
        boolean failed;

        Cursor(List<String> lines) {
            this.lines = lines;
        }
    }

    /** One step of a frame search: finds a line, or reads a stack, adding candidate frames. */
    private interface Step {
        /** @return false when the step cannot be done (the report is cut short or malformed) */
        boolean run(Cursor c, List<String> frames, Pattern skip, Step next);
    }

    /** Advances to the first line matching {@code p}; its group 1, if any, is a candidate frame. */
    private static Step find(Pattern p) {
        return (c, frames, skip, next) -> {
            while (c.at < c.lines.size()) {
                String l = c.lines.get(c.at++);
                if (FAULT_INJECTION.matcher(l).find()) {
                    c.failed = true;
                    return true;
                }
                Matcher m = p.matcher(l);
                if (m.find()) {
                    if (m.groupCount() >= 1) {
                        add(frames, m.group(1), skip);
                    }
                    return true;
                }
            }
            return false;
        };
    }

    /** Reads stack frames until the next stack starts (or a line the following step looks for). */
    private static final Step STACK = (c, frames, skip, next) -> {
        String callee = null;
        while (c.at < c.lines.size()) {
            String l = c.lines.get(c.at);
            if (FAULT_INJECTION.matcher(l).find()) {
                c.failed = true;
                return true;
            }
            if (STACK_START.matcher(l).find()) {
                return true;
            }
            c.at++;
            Matcher f = FRAME.matcher(l);
            if (f.find()) {
                if (f.group(1) == null) {
                    callee = add(frames, f.group(2), skip, callee);
                }
            } else {
                Matcher a = ARM_FRAME.matcher(l);
                if (a.find()) {
                    callee = add(frames, a.group(1), skip, callee);
                    callee = add(frames, a.group(2), skip, callee);
                } else if ((a = ARM_UNWIND_FRAME.matcher(l)).find()) {
                    callee = add(frames, a.group(1), skip, callee);
                }
            }
        }
        return true;
    };

    /**
     * Adds a frame unless it is skipped, except that the function KUnit's case runner called is the
     * case itself, whatever its name ({@code kmalloc_oob_right} of the KASAN suite looks like an allocator).
     *
     * @param callee the frame before this one in the same stack, or null
     * @return this frame's function
     */
    private static String add(List<String> frames, String f, Pattern skip, String callee) {
        if ("kunit_try_run_case".equals(f) && callee != null && skip.matcher(callee).find() && !frames.contains(callee)) {
            frames.add(callee);
        } else {
            add(frames, f, skip);
        }
        return f;
    }

    private static void add(List<String> frames, String f, Pattern skip) {
        if (f != null && !f.isEmpty() && !skip.matcher(f).find()) {
            frames.add(f);
        }
    }

    private static Pattern skip(String... extra) {
        if (extra.length == 0) {
            return SKIP;
        }
        return Pattern.compile(SKIP.pattern() + "|" + String.join("|", extra));
    }

    /** Picks the title's function from the candidate frames, or null if there is none. */
    private interface Pick extends Function<List<String>, String> {
    }

    private static final Pick FIRST = frames -> frames.isEmpty() ? null : strip(frames.get(0));

    /**
     * Runs the steps over the report from the header and picks a frame.
     *
     * @return the function, or {@code corrupted}
     */
    private static String frame(Report r, Pattern skip, Pick pick, Step... steps) {
        Cursor c = new Cursor(r.lines);
        List<String> frames = new ArrayList<>();
        for (int i = 0; i < steps.length; i++) {
            Step next = i + 1 < steps.length ? steps[i + 1] : null;
            if (!steps[i].run(c, frames, skip, next) || c.failed) {
                break;
            }
        }
        String f = c.failed ? null : pick.apply(frames);
        return f == null ? "corrupted" : f;
    }

    /** As {@link #frame}, trying a second way when the first finds nothing. */
    private static String frame(Report r, Pattern skip, Pick pick, Step[] first, Step[] second) {
        String f = frame(r, skip, pick, first);
        return f.equals("corrupted") ? frame(r, skip, pick, second) : f;
    }

    /**
     * Takes a syscall wrapper prefix off a function name ({@code __x64_sys_ioctl} -> {@code sys_ioctl}, {@code __do_sys_bpf} -> {@code bpf});
     * demangles a Rust v0 name ({@link RustSymbols}) and a plain C++ one.
     */
    static String strip(String f) {
        if (f.startsWith("_R")) {
            return RustSymbols.demangle(f);
        }
        Matcher z = CXX.matcher(f);
        if (z.find()) {
            int n = Integer.parseInt(z.group(1));
            if (z.end() + n <= f.length()) {
                return f.substring(z.end(), z.end() + n);
            }
        }
        String best = f;
        for (String p : SYSCALL_PREFIXES) {
            if (f.startsWith(p) && f.length() - p.length() < best.length()) {
                best = f.substring(p.length());
            }
        }
        return best;
    }

    /** An Itanium C++ mangled name of a plain function: {@code _Z8fakeNameiii} is {@code fakeName}. */
    private static final Pattern CXX = Pattern.compile("^_Z(\\d+)");

    private static final Step PC_LINE = find(PC);
    private static final Step TRACE = find(CALL_TRACE);
    /** The faulting frame, then the call trace. */
    private static final Step[] PC_THEN_TRACE = {PC_LINE, TRACE, STACK};
    /** The call trace alone. */
    private static final Step[] TRACE_ONLY = {TRACE, STACK};

    /** The frame for a WARNING: the faulting frame and its trace (new kernels), or the call trace (old ones that print no RIP). */
    private static String warningFrame(Report r, String... skip) {
        Pattern s = skip(skip);
        Step pc = find(Pattern.compile(PC.pattern() + "|--- interrupt: [0-9]+ at ([A-Za-z0-9_]+)[.+]"));
        String f = frame(r, s, FIRST, new Step[] {pc, STACK}, TRACE_ONLY);
        f = f.equals("corrupted") ? frame(r, s, FIRST, ARM_UNWIND) : f;
        return f.equals("corrupted") ? frame(r, s, FIRST, ARM_OLD) : f;
    }

    /** 32-bit ARM before 5.x: {@code [<c0219058>] (unwind_backtrace) from [<c0214754>] (show_stack+0x10/0x14)} lines, no {@code Backtrace:} line. */
    private static final Step[] ARM_OLD = {find(Pattern.compile("^\\s*\\[<?(?:0x)?[0-9a-f]+>?\\]\\s*\\(([A-Za-z0-9_]+)[^)]*\\) from \\[")), STACK};

    /** 32-bit ARM's unwinder since 5.x prints no {@code Call trace:} line, only {@code f from g+0x../0x..} frames. */
    private static final Step[] ARM_UNWIND = {find(Pattern.compile("^\\s*([A-Za-z0-9_]+)(?:\\.[A-Za-z0-9_.]+)? from [A-Za-z0-9_.]+\\+0x")), STACK};

    // ------------------------------------------------------------------------------------------
    // Stalls, lockups and hung tasks: the frame is chosen by what dispatched the looping code.

    /** Where work is dispatched from: the frame before one of these is the code that stalled. */
    private static final Pattern STALL_ANCHOR = Pattern.compile(String.join("|", List.of(
            "process_one_work", "do_syscall_", "do_fast_syscall_", "sysenter_dispatch", "tracesys_phase2", "el0_svc_handler",
            "invoke_syscall", "ret_fast_syscall", "netif_receive_skb", "do_softirq", "call_timer_fn", "_run_timers",
            "run_timer_softirq", "hrtimer_run", "run_ksoftirqd", "smpboot_thread_fn", "^kthread$", "start_secondary",
            "cpu_startup_entry", "ret_from_fork",
            "vfs_write", "vfs_read", "vfs_iter_read", "vfs_iter_write", "do_iter_read", "do_iter_write", "call_read_iter",
            "call_write_iter", "new_sync_read", "new_sync_write", "vfs_ioctl", "ksys_ioctl", "compat_ioctl", "compat_sys_ioctl",
            "blkdev_driver_ioctl", "blkdev_ioctl", "do_iter_readv_writev", "^call_mmap", "mmap_region", "do_mmap",
            "do_dentry_open", "vfs_open",
            "^sock_sendmsg", "^sock_recvmsg", "^sock_release", "^__sock_release", "^setsockopt$", "kernel_setsockopt",
            "sock_common_setsockopt", "^listen$", "kernel_listen", "sk_common_release", "^sock_mmap", "^accept$", "kernel_accept",
            "^sock_do_ioctl", "^sock_ioctl", "^compat_sock_ioctl", "^nfnetlink_rcv_msg", "^rtnetlink_rcv_msg", "^netlink_dump",
            "^(?:sys_)?(?:socketpair|connect|ioctl)",
            "__do_fault", "do_page_fault", "^page_fault$", "__fput", "task_work_run", "exit_to_usermode", "smp_call_function",
            "tasklet_action", "tasklet_hi_action")));

    /** The caller-most frame before the dispatcher; {@code smp_call_function} itself when that is where it loops. */
    private static final Pick STALL = frames -> {
        List<String> s = frames.stream().map(CrashReport::strip).toList();
        if (s.isEmpty()) {
            return null;
        }
        String prev = s.get(0);
        for (String f : s) {
            if (STALL_ANCHOR.matcher(f).find()) {
                return f.contains("smp_call_function") ? "smp_call_function" : prev;
            }
            prev = f;
        }
        return null;
    };

    /** A waiting frame: a hung task's title skips them to the first frame that did something. */
    private static final Pattern WAITING = Pattern.compile("sched|_lock|_slowlock|down|rwsem|completion|kthread|wait|synchronize"
            + "|context_switch|__switch_to|cancel_delayed_work|rcu_barrier");

    /** Hangs on RTNL and on RCU grace periods are grouped; otherwise the first frame that is not waiting. */
    private static final Pick HUNG = frames -> {
        List<String> s = frames.stream().map(CrashReport::strip).toList();
        for (String f : s) {
            if (f.contains("rtnl_lock")) {
                return f;
            }
            if (f.matches(".*synchronize_(?:rcu|srcu|net|sched).*")) {
                return "synchronize_rcu";
            }
        }
        for (String f : s) {
            if (!WAITING.matcher(f).find()) {
                return f;
            }
        }
        return null;
    };

    // ------------------------------------------------------------------------------------------
    // The rules: the header's form, and how the title is made from it.

    /** A header match and its report. */
    private record Match(Report r, Matcher m) {
        String g(int i) {
            String s = m.groupCount() >= i ? m.group(i) : null;
            return s == null ? "" : s;
        }

        /** @return the first group of {@code p} found in the report's lines after the header, or null */
        String after(Pattern p) {
            for (int i = 1; i < r.lines.size(); i++) {
                Matcher x = p.matcher(r.lines.get(i));
                if (x.find()) {
                    return x.group(1);
                }
            }
            return null;
        }

        /** @return the first group of the last pattern, found after a line matching each earlier pattern in turn */
        String afterEach(Pattern... ps) {
            int k = 0;
            for (int i = 0; i < r.lines.size(); i++) {
                Matcher x = ps[k].matcher(r.lines.get(i));
                if (x.find()) {
                    if (k == ps.length - 1) {
                        return x.groupCount() >= 1 ? x.group(1) : "";
                    }
                    k++;
                }
            }
            return null;
        }
    }

    private record Rule(List<CrashSignature> kinds, Pattern header, Function<Match, String> title) {
    }

    private static final String FUNC = "([A-Za-z0-9_]+)[.+]";
    private static final Pattern AT_FUNC = Pattern.compile("at: (?:\\[<?(?:0x)?[0-9a-f]+>?\\]\\s+)?" + FUNC);
    private static final Pattern PC_FUNC = Pattern.compile("\\[<?(?:0x)?[0-9a-f]+>?\\]\\s+" + FUNC);
    private static final Pattern SRC = Pattern.compile("([A-Za-z0-9_/.-]+\\.[a-z]+:[0-9]+)");

    private static Rule rule(CrashSignature kind, String header, Function<Match, String> title) {
        return new Rule(List.of(kind), Pattern.compile(header), title);
    }

    private static Rule rule(List<CrashSignature> kinds, String header, Function<Match, String> title) {
        return new Rule(kinds, Pattern.compile(header), title);
    }

    private static Pattern p(String s) {
        return Pattern.compile(s);
    }

    private static final List<CrashSignature> BUGS = List.of(CrashSignature.BUG, CrashSignature.LOCKDEP, CrashSignature.ATOMIC_SLEEP,
            CrashSignature.SOFT_LOCKUP, CrashSignature.MEMLEAK, CrashSignature.LIST_CORRUPTION);

    private static final List<Rule> RULES = List.of(
            // KASAN
            rule(CrashSignature.KASAN, "BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in " + FUNC, x ->
                    "KASAN: invalid-free in " + frame(x.r, skip("slab_", "kfree", "vunmap", "vfree"), FIRST,
                            find(p("BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in " + FUNC)), TRACE, STACK)),
            rule(CrashSignature.KASAN, "BUG: KASAN: ([a-z-]+) in " + FUNC, x -> {
                String access = x.after(p("(Read|Write) (?:of size|at addr) [0-9a-f]+"));
                if (access == null) {
                    return "KASAN: " + x.r.lines.get(0).substring(x.r.lines.get(0).indexOf("BUG: KASAN: ") + 12);
                }
                return "KASAN: " + x.g(1) + " " + access + " in " + frame(x.r, skip("kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_"),
                        FIRST, find(p("BUG: KASAN: [a-z-]+ in " + FUNC)), TRACE, STACK);
            }),
            rule(CrashSignature.KASAN, "BUG: KASAN: ([a-z-]+) on address", x -> {
                String access = x.after(p("(Read|Write) of size [0-9]+"));
                return access == null ? "KASAN: " + x.g(1) : "KASAN: " + x.g(1) + " " + access;
            }),
            rule(CrashSignature.KASAN, "BUG: KASAN: (.*)", x -> "KASAN: " + x.g(1)),
            // KMSAN, KCSAN, KFENCE
            rule(CrashSignature.KMSAN, "BUG: KMSAN: kernel-usb-infoleak in " + FUNC, x -> "KMSAN: kernel-usb-infoleak in "
                    + frame(x.r, skip("alloc_skb", "usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg", "usb_interrupt_msg", "usb_control_msg"),
                    FIRST, STACK)),
            rule(CrashSignature.KMSAN, "BUG: KMSAN: ([a-z-]+) in " + FUNC, x -> "KMSAN: " + x.g(1) + " in "
                    + frame(x.r, skip("alloc_skb", "netlink_ack", "netlink_rcv_skb", "_encrypt$", "^(?:crypto|cipher|drbg|rng)_"), FIRST, STACK)),
            rule(CrashSignature.KMSAN, "BUG: KMSAN: (.*)", x -> "KMSAN: " + x.g(1)),
            rule(CrashSignature.KCSAN, "BUG: KCSAN: (.*)", x -> "KCSAN: " + x.g(1)),
            rule(CrashSignature.KFENCE, "BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in " + FUNC, x ->
                    "KFENCE: " + x.g(1) + " " + x.g(2) + " in " + kfence(x)),
            rule(CrashSignature.KFENCE, "BUG: KFENCE: invalid free in " + FUNC, x -> "KFENCE: invalid free in " + kfence(x)),
            rule(CrashSignature.KFENCE, "BUG: KFENCE: invalid (read|write) in " + FUNC, x -> "KFENCE: invalid " + x.g(1) + " in " + kfence(x)),
            rule(CrashSignature.KFENCE, "BUG: KFENCE: memory corruption in " + FUNC, x -> "KFENCE: memory corruption in " + kfence(x)),
            rule(CrashSignature.KFENCE, "BUG: KFENCE: (.*)", x -> "KFENCE: " + x.g(1)),
            // UBSAN
            rule(CrashSignature.UBSAN, "UBSAN: Undefined behaviour in", x -> "UBSAN: undefined-behaviour in "
                    + frame(x.r, skip("ubsan", "overflow"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.UBSAN, "UBSAN: (.*?) in", x -> "UBSAN: " + x.g(1) + " in " + frame(x.r, skip("ubsan", "overflow"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.UBSAN, "UBSAN: (.*)", x -> "UBSAN: " + x.g(1)),
            // list corruption
            rule(CrashSignature.LIST_CORRUPTION, "kernel BUG at lib/list_debug\\.c|list_\\w+ corruption", x ->
                    "BUG: corrupted list in " + frame(x.r, SKIP, FIRST, TRACE_ONLY)),
            // memory leaks
            rule(CrashSignature.MEMLEAK, "BUG: memory leak|unreferenced object", x -> "memory leak in " + frame(x.r,
                    skip("kmemleak", "mmap", "kmem", "slab", "alloc", "create_object", "idr_get", "list_lru_init", "kasprintf", "kvasprintf",
                            "pcpu_create", "strdup", "strndup", "memdup"), FIRST, find(p("backtrace(?: \\(crc [0-9a-f]*\\))?:")), STACK)),
            // lockdep and lock debugging
            rule(CrashSignature.LOCKDEP, "INFO: possible circular locking dependency detected", x ->
                    "possible deadlock in " + orCorrupted(x.afterEach(p("is trying to acquire lock"), AT_FUNC))),
            rule(CrashSignature.LOCKDEP, "possible circular locking dependency detected", x -> {
                if (x.after(p("(is trying to acquire lock)")) == null) {
                    return null;
                }
                return "possible deadlock in " + frame(x.r, skip("process_one_work", "flush_workqueue", "drain_workqueue", "destroy_workqueue"),
                        FIRST, find(AT_FUNC), find(AT_FUNC), STACK);
            }),
            rule(CrashSignature.LOCKDEP, "possible irq lock inversion dependency detected", x ->
                    "possible deadlock in " + orCorrupted(x.afterEach(p("just changed the state of lock"), AT_FUNC))),
            rule(CrashSignature.LOCKDEP, "INFO: \\S+-safe -> \\S+-unsafe lock order detected", x ->
                    "possible deadlock in " + orCorrupted(x.afterEach(p("is trying to acquire"), AT_FUNC))),
            rule(CrashSignature.LOCKDEP, "-safe -> \\S+-unsafe lock order detected", x ->
                    "possible deadlock in " + frame(x.r, SKIP, FIRST, find(p("which became (?:.*) at:")), STACK)),
            rule(CrashSignature.LOCKDEP, "possible recursive locking detected", x ->
                    "possible deadlock in " + orCorrupted(x.afterEach(p("is trying to acquire lock"), AT_FUNC))),
            rule(CrashSignature.LOCKDEP, "WARNING: inconsistent lock state", x -> "inconsistent lock state in "
                    + (x.afterEach(p("takes"), AT_FUNC) == null ? "corrupted" : frame(x.r, SKIP, FIRST, TRACE_ONLY))),
            rule(CrashSignature.LOCKDEP, "INFO: inconsistent lock state", x ->
                    "inconsistent lock state in " + orCorrupted(x.afterEach(p("takes"), AT_FUNC))),
            rule(CrashSignature.LOCKDEP, "(WARNING|INFO): suspicious RCU usage", x -> x.after(SRC) == null ? null
                    : x.g(1) + ": suspicious RCU usage in " + frame(x.r, skip("rcu", "kmem", "slab"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.LOCKDEP, "INFO: trying to register non-static key", x -> "INFO: trying to register non-static key in "
                    + frame(x.r, skip("stack", "lock", "IRQ"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.LOCKDEP, "(WARNING|BUG): bad unlock balance detected", x -> x.g(1) + ": bad unlock balance in "
                    + frame(x.r, SKIP, FIRST, find(PC_FUNC), TRACE, STACK)),
            rule(CrashSignature.LOCKDEP, "(WARNING|BUG): held lock freed", x -> x.g(1) + ": held lock freed in "
                    + orCorrupted(x.after(p("at:(?: \\[<?(?:0x)?[0-9a-f]+>?\\])? +" + FUNC)))),
            rule(CrashSignature.LOCKDEP, "(WARNING|BUG): lock held when returning to user space", x -> x.g(1) + ": lock held when returning to user space in "
                    + orCorrupted(x.afterEach(p("leaving the kernel with locks still held"), AT_FUNC))),
            rule(CrashSignature.LOCKDEP, "WARNING: .*still has locks held!", x -> "WARNING: still has locks held in " + orCorrupted(x.after(AT_FUNC))),
            rule(CrashSignature.LOCKDEP, "BUG: .*still has locks held!", x -> "BUG: still has locks held in " + orCorrupted(x.after(PC_FUNC))),
            rule(CrashSignature.LOCKDEP, "WARNING: [Nn]ested lock was not taken", x -> "WARNING: nested lock was not taken in " + warningFrame(x.r)),
            rule(CrashSignature.LOCKDEP, "WARNING: .*kernel/locking/lockdep\\.c.*lock_", x -> "WARNING: locking bug in "
                    + warningFrame(x.r, "lock_sock", "release_sock")),
            rule(CrashSignature.LOCKDEP, "BUG: Invalid wait context", x -> "WARNING: locking bug in "
                    + frame(x.r, skip("lock_sock", "release_sock"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.LOCKDEP, "BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU)",
                    x -> "BUG: " + x.g(1) + " " + x.g(2) + " in " + frame(x.r, skip("spin_", "_lock", "_unlock"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.LOCKDEP, "BUG: using ([a-z_]+)\\(\\) in preemptible", x -> "BUG: using " + x.g(1) + "() in preemptible code in "
                    + frame(x.r, skip("dump_stack", "preemption", "preempt", "debug_", "processor_id", "this_cpu"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.LOCKDEP, "BUG: workqueue leaked lock or atomic", x -> "BUG: workqueue leaked lock or atomic in "
                    + orCorrupted(x.after(p("last function: ([A-Za-z0-9_]+)\\s*$")))),
            rule(CrashSignature.LOCKDEP, "BUG: MAX_STACK_TRACE_ENTRIES too low!", x -> "BUG: MAX_STACK_TRACE_ENTRIES too low!"),
            rule(CrashSignature.LOCKDEP, "(BUG: MAX_LOCKDEP_\\w+ too low!)", x -> x.g(1)),
            // sleeping in atomic context
            rule(CrashSignature.ATOMIC_SLEEP, "BUG: scheduling while atomic", x -> "BUG: scheduling while atomic in "
                    + frame(x.r, skip("schedule"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.ATOMIC_SLEEP, "BUG: sleeping function called from invalid context", x ->
                    "BUG: sleeping function called from invalid context in " + frame(x.r, SKIP, FIRST, TRACE_ONLY)),
            // stalls, lockups, hangs
            rule(CrashSignature.SOFT_LOCKUP, "BUG: soft lockup", x -> "BUG: soft lockup in " + frame(x.r, SKIP, STALL, PC_THEN_TRACE)),
            rule(CrashSignature.SOFT_LOCKUP, "BUG: workqueue lockup", x -> "BUG: workqueue lockup"),
            rule(CrashSignature.HARD_LOCKUP, "hard LOCKUP", x -> "BUG: hard lockup in " + frame(x.r, SKIP, STALL, PC_THEN_TRACE)),
            rule(CrashSignature.RCU_STALL, "INFO: rcu_\\w+ (?:self-)?detected", x -> "INFO: rcu detected stall in "
                    + frame(x.r, skip("apic_timer_interrupt", "rcu"), STALL, new Step[] {find(p("apic_timer_interrupt")), PC_LINE, STACK},
                    new Step[] {find(p("apic_timer_interrupt|Exception stack|el1h_64_irq")), STACK})),
            rule(CrashSignature.HUNG_TASK, "INFO: task .* can't die", x -> "INFO: task can't die in " + frame(x.r, skip("schedule"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.HUNG_TASK, "INFO: task ", x -> "INFO: task hung in " + frame(x.r, SKIP, HUNG, TRACE_ONLY)),
            rule(CrashSignature.HUNG_TASK, "unregister_netdevice: waiting for", x -> "unregister_netdevice: waiting for DEV to become free"),
            // the BUG family
            rule(BUGS, "BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel data access)", x ->
                    "BUG: unable to handle kernel paging request in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(BUGS, "BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)", x ->
                    "BUG: unable to handle kernel NULL pointer dereference in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(BUGS, "BUG: (?:unable to handle kernel|Unable to handle kernel)", x -> "BUG: unable to handle kernel"),
            rule(BUGS, "Unable to handle kernel (paging request|NULL pointer dereference|access to user memory)", x ->
                    "BUG: unable to handle kernel " + x.g(1) + " in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(BUGS, "BUG: Bad rss-counter state", x -> "BUG: Bad rss-counter state"),
            rule(BUGS, "BUG: non-zero (nr_ptes|nr_pmds) on freeing mm", x -> "BUG: non-zero " + x.g(1) + " on freeing mm"),
            rule(BUGS, "BUG: Dentry .* still in use \\([0-9]+\\) \\[(unmount) of ([^\\]]+)\\]", x -> "BUG: Dentry still in use in " + x.g(1)),
            rule(BUGS, "BUG: Dentry .* still in use", x -> "BUG: Dentry still in use in corrupted"),
            rule(BUGS, "BUG: Bad page (state|cache)", x -> "BUG: Bad page " + x.g(1) + " in " + frame(x.r,
                    skip("(?:free|put|get|update|release)_page", "free_unref", "^_*folio", "truncate_inode_pages", "page_frag_free", "alloc",
                            "vmap", "page_owner"), FIRST, find(p("page last allocated")), STACK)),
            rule(BUGS, "BUG: Bad page map", x -> "BUG: Bad page map"),
            rule(BUGS, "BUG: .*stack guard page was hit at", x -> "BUG: stack guard page was hit in " + frame(x.r, SKIP, STALL, PC_THEN_TRACE)),
            rule(BUGS, "kernel BUG at mm/usercopy\\.c", x -> "BUG: bad usercopy in " + frame(x.r, skip("usercopy", "__check"), FIRST, TRACE_ONLY)),
            rule(BUGS, "kernel BUG at ", x -> "kernel BUG in " + frame(x.r, skip("^skb_"), FIRST, PC_THEN_TRACE)),
            rule(BUGS, "Kernel BUG (.*)", x -> "kernel BUG " + x.g(1)),
            rule(BUGS, "BUG kmalloc-.*: Object already free", x -> "BUG: Object already free"),
            rule(BUGS, "INFO: (Freed|Allocated) in (.*)", x -> "INFO: " + x.g(1) + " in " + x.g(2)),
            rule(BUGS, "VFS: Close: file count is 0", x -> "VFS: Close: file count is zero (use-after-free)"),
            rule(BUGS, "VFS: Busy inodes after unmount", x -> "VFS: Busy inodes after unmount (use-after-free)"),
            rule(BUGS, "rust_kernel: panicked", x -> {
                String what = x.r.lines.size() > 1 ? x.r.lines.get(1).strip() : "";
                return (what.isEmpty() ? "rust panic" : what) + " in " + frame(x.r, skip("rust_begin_unwind"), FIRST, TRACE_ONLY);
            }),
            rule(BUGS, "BUG:\\s*$", x -> "BUG: corrupted"),
            rule(BUGS, "INFO:\\s*$", x -> "INFO: corrupted"),
            // CPU exceptions and panics
            rule(CrashSignature.GPF, "general protection fault.*:", x -> "general protection fault in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(CrashSignature.OOPS, "stack segment: ", x -> "stack segment fault in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(CrashSignature.OOPS, "divide[ _]error: ", x -> "divide error in " + frame(x.r, SKIP, FIRST, PC_LINE)),
            rule(CrashSignature.OOPS, "invalid opcode: ", x -> "invalid opcode in " + frame(x.r, SKIP, FIRST, PC_LINE)),
            rule(CrashSignature.OOPS, "int3: ", x -> "int3 in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(CrashSignature.OOPS, "PANIC: double fault", x -> "PANIC: double fault in " + frame(x.r, SKIP, FIRST, PC_LINE)),
            rule(CrashSignature.OOPS, "Internal error:", x -> "Internal error in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(CrashSignature.OOPS, "Unhandled fault:", x -> "Unhandled fault in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(CrashSignature.OOPS, "Alignment trap:", x -> "Alignment trap in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(CrashSignature.OOPS, "Oops", x -> "Oops in " + frame(x.r, SKIP, FIRST, PC_THEN_TRACE)),
            rule(CrashSignature.PANIC, "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: " + FUNC, x ->
                    "kernel panic: stack is corrupted in " + x.g(1)),
            rule(CrashSignature.PANIC, "Kernel panic - not syncing: stack-protector:", x -> "kernel panic: stack is corrupted in "
                    + frame(x.r, skip("stack_chk"), FIRST, TRACE_ONLY)),
            rule(CrashSignature.PANIC, "Kernel panic - not syncing: corrupted stack end", x -> "kernel panic: corrupted stack end in "
                    + frame(x.r, skip("schedule", "retint_kernel"), STALL, TRACE_ONLY)),
            rule(CrashSignature.PANIC, "Kernel panic - not syncing: kernel stack overflow", x -> "kernel stack overflow in "
                    + frame(x.r, skip("bad_stack"), STALL, TRACE_ONLY)),
            rule(CrashSignature.PANIC, "Kernel panic - not syncing: Attempted to kill init!", x -> "kernel panic: Attempted to kill init!"),
            rule(CrashSignature.PANIC, "Kernel panic - not syncing: Couldn't open N_TTY ldisc", x -> "kernel panic: Couldn't open N_TTY ldisc"),
            rule(CrashSignature.PANIC, "Kernel panic - not syncing: (Fatal exception|panic_on_warn set|hung_task: blocked tasks)", x -> "kernel panic: " + x.g(1)),
            rule(CrashSignature.PANIC, "Kernel panic - not syncing: (.*)", x -> "kernel panic: " + x.g(1)),
            rule(CrashSignature.PANIC, "trusty: panic .*?ASSERT FAILED at \\(.*?\\): (.+)", x -> "trusty: ASSERT FAILED: " + x.g(1)),
            rule(CrashSignature.PANIC, "trusty: panic.* ASSERT FAILED.*: *(.*)", x -> "trusty: ASSERT FAILED: " + x.g(1)),
            rule(CrashSignature.PANIC, "trusty: panic \\(.*?\\): (.+)", x -> "trusty: panic: " + x.g(1)),
            rule(CrashSignature.REBOOT, ".", x -> "unexpected kernel reboot"),
            // WARNING
            rule(CrashSignature.WARNING, "WARNING: .*lib/debugobjects\\.c.* (?:debug_print|debug_check|at)", x -> "WARNING: ODEBUG bug in "
                    + warningFrame(x.r, "debug_", "rcu", "hrtimer_", "timer_", "work_", "percpu_", "vunmap", "vfree", "__free_", "debug_check", "kobject_")),
            rule(CrashSignature.WARNING, "WARNING: .*mm/usercopy\\.c.* (?:usercopy_warn|at)", x -> "WARNING: bad usercopy in " + warningFrame(x.r, "usercopy", "__check")),
            rule(CrashSignature.WARNING, "WARNING: .*lib/kobject\\.c.* (?:kobject_|at)", x -> "WARNING: kobject bug in " + warningFrame(x.r, "kobject_")),
            rule(CrashSignature.WARNING, "WARNING: .*fs/proc/generic\\.c.* (?:proc_register|at)", x -> "WARNING: proc registration bug in " + warningFrame(x.r, "proc_")),
            rule(CrashSignature.WARNING, "WARNING: .*lib/refcount\\.c.* (?:refcount_|at)", x -> "WARNING: refcount bug in " + warningFrame(x.r, "refcount", "kobject_")),
            rule(CrashSignature.WARNING, "WARNING: .*mm/.*\\.c.* k?.?malloc", x -> "WARNING: kmalloc bug in " + warningFrame(x.r, "kmalloc", "krealloc", "slab", "kmem")),
            rule(CrashSignature.WARNING, "WARNING: .*mm/vmalloc\\.c.*__vmalloc_node", x -> "WARNING: zero-size vmalloc in " + warningFrame(x.r)),
            rule(CrashSignature.WARNING, "WARNING: .* usb_submit_urb", x -> "WARNING in " + warningFrame(x.r, "usb_submit_urb", "usb_start_wait_urb",
                    "usb_bulk_msg", "usb_interrupt_msg", "usb_control_msg") + "/usb_submit_urb"),
            rule(CrashSignature.WARNING, "WARNING: kernel stack regs at [0-9a-f]+ in \\S* has bad '([^']+)' value", x -> "WARNING: kernel stack regs has bad '" + x.g(1) + "' value"),
            rule(CrashSignature.WARNING, "WARNING: kernel stack frame pointer at [0-9a-f]+ in \\S* has bad value", x -> "WARNING: kernel stack frame pointer has bad value"),
            rule(CrashSignature.WARNING, "WARNING: kernel stack (?:regs|frame pointer) .* has bad", x -> "WARNING: kernel stack regs has bad value"),
            rule(CrashSignature.WARNING, "WARNING:\\s*$", x -> "WARNING: corrupted"),
            // a kernel message that starts WARNING: and is no WARN() report is titled by its text
            rule(CrashSignature.WARNING, "WARNING: (?!CPU: \\d+ PID: \\d+|at |\\S+:\\d+ at |.* at [\\w/.-]+\\.[a-z]:\\d+ |\\[.*\\] [\\w/.-]+:\\d+ at"
                    + "|\\S*\\.[ch]:\\d+ )", x -> x.r.lines.get(0).substring(x.m.start()).strip()),
            rule(CrashSignature.WARNING, "WARNING:", x -> "WARNING in " + warningFrame(x.r)));

    private static String kfence(Match x) {
        return frame(x.r, SKIP, FIRST, find(p("BUG: KFENCE: (?:[a-z\\- ]+) in " + FUNC)), STACK);
    }

    private static String orCorrupted(String f) {
        return f == null ? "corrupted" : strip(f);
    }

    // ------------------------------------------------------------------------------------------
    // Normalising: what varies between two sightings of the same bug is taken out.

    private static final Pattern EXECUTOR = Pattern.compile("syz-executor\\.?[0-9]+(?:[/:][0-9]+)?");
    private static final Pattern SYZKALLER = Pattern.compile("syzkaller[0-9]+(?:[/:][0-9]+)?");
    private static final Pattern ADDRESS = Pattern.compile("([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}");
    private static final Pattern IP = Pattern.compile("[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
    private static final Pattern LINE_NUMBER = Pattern.compile("(\\.\\w+)(:[0-9]+)+");
    private static final Pattern OFFSET = Pattern.compile("([a-zA-Z][a-zA-Z0-9_.]+)\\+0x[0-9a-z]+/0x[0-9a-z]+");
    private static final Pattern CPU = Pattern.compile("CPU#[0-9]+");
    private static final Pattern NUMBER = Pattern.compile("(\\W)(\\d+)(\\W|$)");
    private static final Pattern LONG_NUMBER = Pattern.compile("\\d{7,}");

    /**
     * Takes out what varies between sightings of the same bug: executor and task numbers, addresses
     * ({@code ADDR}), IP addresses ({@code IP}), line numbers ({@code :LINE}), function offsets, CPU
     * numbers and other decimal numbers ({@code NUM}); then drops control characters, folds runs of
     * blanks and cuts the title at 120 characters.
     *
     * @param title a raw title
     * @return the stable title
     */
    static String normalise(String title) {
        String t = title;
        t = again(EXECUTOR, t, "syz-executor");
        t = again(SYZKALLER, t, "syzkaller");
        t = again(ADDRESS, t, "$1ADDR");
        t = again(IP, t, "IP");
        t = again(LINE_NUMBER, t, "$1:LINE");
        t = again(OFFSET, t, "$1");
        t = again(CPU, t, "CPU");
        t = again(NUMBER, t, "$1NUM$3");
        t = again(LONG_NUMBER, t, "NUM");
        StringBuilder b = new StringBuilder();
        char prev = ' ';
        for (int i = 0; i < t.length() && i < 120; i++) {
            char c = t.charAt(i);
            if (c == '\t') {
                c = ' ';
            } else if (c < 0x20 || c >= 0x7f) {
                continue;
            }
            if (c == ' ' && prev == ' ') {
                continue;
            }
            b.append(c);
            prev = c;
        }
        String out = b.toString().strip();
        return out.isEmpty() ? title.strip().toUpperCase(Locale.ROOT) : out;
    }

    private static String again(Pattern p, String s, String with) {
        String prev;
        String cur = s;
        int guard = 0;
        do {
            prev = cur;
            cur = p.matcher(cur).replaceAll(with);
        } while (!cur.equals(prev) && ++guard < 20);
        return cur;
    }
}
