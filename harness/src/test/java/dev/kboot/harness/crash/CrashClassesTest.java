package dev.kboot.harness.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.parse.Lines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The crash classes of issue 10, each on real reports: syzkaller's pkg/report testdata (the header
 * gives the answer), SQUAD's log-parser logs (its tests give the answer) and the project's captured
 * logs. The detector runs as {@code kboot results import} runs it ({@link CrashAttribution#watchLines}).
 */
class CrashClassesTest {
    private static List<SyzkallerCorpus.Case> corpus;

    @BeforeAll
    static void load() throws URISyntaxException {
        corpus = SyzkallerCorpus.load(Path.of(CrashClassesTest.class.getResource("/syzkaller/linux-report").toURI()));
    }

    private static List<Incident> incidents(List<String> log) {
        return CrashAttribution.watchLines(log);
    }

    private static SyzkallerCorpus.Case file(String name) {
        return corpus.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * Every kind the issue names, on every syzkaller file of that kind: the first incident has
     * syzkaller's kind and title (the figures are printed).
     */
    @Test
    void everyNamedKindOnEveryFileOfIt() {
        Map<String, Predicate<SyzkallerCorpus.Case>> classes = new LinkedHashMap<>();
        classes.put("KFENCE", c -> t(c).startsWith("KFENCE:"));
        classes.put("KCSAN", c -> t(c).startsWith("KCSAN:"));
        classes.put("KMSAN", c -> t(c).startsWith("KMSAN:"));
        classes.put("lockdep: possible circular locking dependency", c -> has(c, "possible circular locking dependency detected"));
        classes.put("lockdep: possible recursive locking", c -> has(c, "possible recursive locking detected"));
        classes.put("lockdep: possible deadlock", c -> t(c).startsWith("possible deadlock"));
        classes.put("kmemleak: unreferenced object / memory leak", c -> t(c).startsWith("memory leak"));
        classes.put("arm64 Internal error: Oops", c -> has(c, "Internal error: Oops"));
        classes.put("kernel BUG at", c -> t(c).startsWith("kernel BUG"));
        classes.put("list_add/list_del corruption", c -> t(c).startsWith("BUG: corrupted list"));
        classes.put("RCU stall", c -> t(c).startsWith("INFO: rcu detected stall"));
        classes.put("hung task", c -> t(c).startsWith("INFO: task hung"));
        classes.put("soft lockup", c -> t(c).startsWith("BUG: soft lockup"));
        classes.put("KASAN", c -> t(c).startsWith("KASAN:"));
        classes.put("UBSAN", c -> t(c).startsWith("UBSAN:"));
        classes.put("WARNING", c -> t(c).startsWith("WARNING in"));
        classes.put("WARNING: named (ODEBUG, refcount, messages)", c -> t(c).startsWith("WARNING: ")
                && SyzkallerCorpus.expectedKind(t(c)).orElse(null) == dev.kboot.launcher.console.CrashSignature.WARNING);
        classes.put("Rust panic", c -> has(c, "rust_kernel: panicked"));
        classes.put("general protection fault", c -> t(c).startsWith("general protection fault"));
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Predicate<SyzkallerCorpus.Case>> e : classes.entrySet()) {
            List<SyzkallerCorpus.Case> files = corpus.stream().filter(c -> c.title() != null && !SyzkallerCorpus.notKernel(c))
                    .filter(e.getValue()).toList();
            assertFalse(files.isEmpty(), "syzkaller has files of " + e.getKey());
            int kinds = 0;
            int titles = 0;
            for (SyzkallerCorpus.Case c : files) {
                List<Incident> found = incidents(c.log());
                String kind = found.isEmpty() ? null : found.get(0).signature();
                String title = found.isEmpty() ? null : found.get(0).title();
                String want = SyzkallerCorpus.expectedKind(c.title()).map(Enum::name).orElse(null);
                kinds += want != null && want.equals(kind) ? 1 : 0;
                titles += c.title().equals(title) ? 1 : 0;
                if (!c.title().equals(title) && !SyzkallerAgreementTest.KNOWN.containsKey(c.name())) {
                    wrong.add(c.name() + ": " + c.title() + " / " + title);
                }
                if (want != null && !want.equals(kind)) {
                    wrong.add(c.name() + ": kind " + want + " / " + kind);
                }
            }
            System.out.printf(Locale.ROOT, "  %-46s %3d files, kind %3d, title %3d%n", e.getKey(), files.size(), kinds, titles);
        }
        assertEquals(List.of(), wrong, "disagreements beyond SyzkallerAgreementTest's known ones");
    }

    private static String t(SyzkallerCorpus.Case c) {
        return c.title() == null ? "" : c.title();
    }

    private static boolean has(SyzkallerCorpus.Case c, String s) {
        return c.log().stream().anyMatch(l -> l.contains(s));
    }

    /** A panic caused by a report (panic_on_warn, Fatal exception) keeps the report's title: the first report is the title. */
    @Test
    void theFirstReportIsTheTitleNotThePanicItCauses() {
        int n = 0;
        for (SyzkallerCorpus.Case c : corpus) {
            if (c.title() == null || SyzkallerCorpus.notKernel(c) || c.title().startsWith("kernel panic") || !has(c, "Kernel panic - not syncing")
                    || SyzkallerAgreementTest.KNOWN.containsKey(c.name())) {
                continue;
            }
            List<Incident> found = incidents(c.log());
            assertFalse(found.isEmpty(), c.name());
            assertEquals(c.title(), found.get(0).title(), c.name());
            Incident panic = found.stream().filter(i -> i.signature().equals("PANIC")).findFirst().orElse(null);
            if (panic != null) {
                assertFalse(panic.title().startsWith("kernel panic"), c.name() + ": the panic is titled after the report it ends: " + panic.title());
            }
            n++;
        }
        assertTrue(n > 100, "files with a report and then a panic: " + n);
    }

    /**
     * An RCU stall followed by a hung task (the stalled CPU blocks a task) is an RCU stall; the hung
     * task is a second incident. Two real syzkaller logs, one after the other, in both orders.
     */
    @Test
    void anRcuStallBeforeAHungTaskIsAnRcuStall() {
        SyzkallerCorpus.Case stall = corpus.stream().filter(c -> t(c).startsWith("INFO: rcu detected stall in") && !t(c).endsWith("corrupted"))
                .findFirst().orElseThrow();
        SyzkallerCorpus.Case hung = corpus.stream().filter(c -> t(c).startsWith("INFO: task hung in") && !t(c).endsWith("corrupted"))
                .findFirst().orElseThrow();
        List<String> log = new ArrayList<>(stall.log());
        log.addAll(hung.log());
        List<Incident> found = incidents(log);
        assertEquals("RCU_STALL", found.get(0).signature());
        assertEquals(stall.title(), found.get(0).title());
        assertTrue(found.stream().anyMatch(i -> i.signature().equals("HUNG_TASK") && i.title().equals(hung.title())), found.toString());

        List<String> reverse = new ArrayList<>(hung.log());
        reverse.addAll(stall.log());
        assertEquals(hung.title(), incidents(reverse).get(0).title(), "order decides, not a ranking of kinds");
    }

    /** A report without an end marker (lockdep) does not swallow a WARNING printed long after it. */
    @Test
    void aLaterReportAfterOneWithoutEndMarkerIsItsOwnIncident() {
        SyzkallerCorpus.Case lockdep = file("98"); // WARNING: possible circular locking dependency detected
        assertEquals("LOCKDEP", incidents(lockdep.log()).get(0).signature());
        double end = lockdep.log().stream().mapToDouble(CrashClassesTest::time).filter(d -> !Double.isNaN(d)).max().orElseThrow();
        SyzkallerCorpus.Case warning = corpus.stream().filter(c -> t(c).startsWith("WARNING in ") && !t(c).endsWith("corrupted"))
                .filter(c -> c.log().stream().mapToDouble(CrashClassesTest::time).filter(d -> !Double.isNaN(d)).min().orElse(0) > end + 10)
                .findFirst().orElseThrow();
        List<String> log = new ArrayList<>(lockdep.log());
        log.addAll(warning.log());
        List<Incident> found = incidents(log);
        assertTrue(found.stream().anyMatch(i -> i.title().equals(warning.title())), "the WARNING is found: " + found);
    }

    private static double time(String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\[\\s*(\\d+\\.\\d+)\\]").matcher(line);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** The not-crashes, each in a real syzkaller log that holds no report: no incident. */
    @Test
    void notCrashesRaiseNoIncident() {
        Map<String, String> quiet = new LinkedHashMap<>();
        quiet.put("649", "traps: syz-executor229[3615] general protection fault ip:");
        quiet.put("710", "Speculative Return Stack Overflow: WARNING:");
        quiet.put("739", "XFS (loop4): WARNING: Reset corrupted AGFL");
        quiet.put("618", "WARNING: the mand mount option is being deprecated");
        quiet.put("619", "WARNING: The mand mount option has been deprecated");
        quiet.put("252", "INFO: NMI handler (perf_event_nmi_handler) took too long to run");
        quiet.put("83", "INFO: NMI handler (perf_event_nmi_handler) took too long to run");
        // more informational WARNING: notices: mitigation advice, fbcon, deprecations in an upper-cased syslog, sshd
        quiet.put("647", "Spectre V2 : WARNING: Unprivileged eBPF is enabled with eIBRS on");
        quiet.put("654", "WARNING: fbcon: Driver 'vkmsdrmfb' missed to adjust virtual screen size");
        quiet.put("712", "WARNING: the mand mount option is being deprecat");
        quiet.put("731", "CAPABILITY: WARNING: `SYZ.2.309' USES DEPRECATED V2 CAPABILITIES");
        quiet.put("732", "WARNING: `SYZ.1.261' USES WIRELESS EXTENSIONS WHICH WILL STOP WORKING");
        quiet.put("76", "WARNING: /etc/ssh/moduli does not exist, using fixed modulus");
        for (Map.Entry<String, String> e : quiet.entrySet()) {
            SyzkallerCorpus.Case c = file(e.getKey());
            assertEquals(null, c.title(), "syzkaller finds no report in " + c.name());
            assertTrue(has(c, e.getValue()), c.name() + " holds " + e.getValue());
            assertEquals(List.of(), incidents(c.log()), c.name());
        }
    }

    /**
     * A kernel message that starts {@code WARNING:} is a report, as syzkaller reads it, even without
     * WARN()'s form: after a printk prefix ({@code <6>[ 85.501187] WARNING: foo}) or a device's prefix
     * ({@code usb 5-1: WARNING: ath10k USB support is incomplete...}), titled by its text; a bare
     * {@code INFO:} line is a report cut short, {@code INFO: corrupted}.
     */
    @Test
    void kernelMessagesThatStartWarningAreReports() {
        for (String name : List.of("6", "381", "129")) {
            SyzkallerCorpus.Case c = file(name);
            List<Incident> found = incidents(c.log());
            assertFalse(found.isEmpty(), name);
            assertEquals(c.title(), found.get(0).title(), name);
            assertEquals(SyzkallerCorpus.expectedKind(c.title()).orElseThrow().name(), found.get(0).signature(), name);
        }
        assertEquals("WARNING", incidents(List.of("[   12.345678][  T152] nvme nvme0: WARNING: controller reset failed")).get(0).signature());
        assertEquals(List.of(), incidents(List.of("WARNING: Test did not clean up port: 0")), "user space's line: no printk prefix");
        assertEquals(List.of(), incidents(List.of("[    4.120000] XFS (vda): WARNING: Reset corrupted AGFL on AG 0.")), "a file system's own prefix");
    }

    /**
     * Clean logs: KUnit runs that pass, an fstests run whose dmesg holds filesystem errors but no kernel report,
     * a blktests run whose console holds its own {@code WARNING: Test did not clean up ...} lines.
     */
    @Test
    void benignLogsRaiseNoIncident() {
        for (String name : List.of("kunit/test_is_test_passed-all_passed_nested.log", "kunit/test_skip_tests.log", "kunit/test_parse_subtest_header.log",
                "fstests/console/ext4-1k-recovery-zorro.txt", "fstests/console/gocryptfs-2018-01.txt",
                "blktests/console/nvme-loop-tcp-6.18-rc6.txt")) {
            assertEquals(List.of(), incidents(Lines.split(Captured.text(name))), name);
        }
    }

    private static List<String> squad(String name) {
        try {
            return Lines.split(Lines.decode(Files.readAllBytes(Path.of(CrashClassesTest.class.getResource("/squad/" + name).toURI()))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> kinds(List<Incident> found) {
        return found.stream().map(Incident::signature).collect(Collectors.toSet());
    }

    /** SQUAD's log-parser logs (squad/README.md): what its tests expect to find, kboot finds. */
    @Test
    void squadLogParserLogs() {
        List<Incident> kasan = incidents(squad("kasan.log"));
        assertEquals(1, kasan.size());
        assertEquals("KASAN: slab-out-of-bounds Write in kmalloc_oob_right", kasan.get(0).title(), "the KUnit case, not the runner");

        List<Incident> kfence = incidents(squad("kfence.log"));
        assertEquals("KFENCE", kfence.get(0).signature());
        assertTrue(kfence.get(0).title().startsWith("KFENCE: memory corruption in "), kfence.get(0).title());

        List<Incident> warn = incidents(squad("kernelexceptiontrace.log"));
        assertEquals(List.of("WARNING in smp_call_function_many_cond"), warn.stream().map(Incident::title).toList(),
                "32-bit ARM's 'f from g+0x..' frames; no Oops");

        List<Incident> oops = incidents(squad("oops.log"));
        assertTrue(oops.stream().anyMatch(i -> i.signature().equals("OOPS") && i.line().contains("Internal error: Oops - BUG: 0 [#1] PREEMPT SMP")),
                oops.toString());
        assertTrue(oops.stream().anyMatch(i -> i.line().contains("BUG: spinlock lockup suspected")), oops.toString());
        assertFalse(kinds(oops).contains("PANIC"));

        List<Incident> many = incidents(squad("multiple_issues_dmesg.log"));
        assertTrue(many.stream().anyMatch(i -> i.signature().equals("PANIC") && i.line().contains("stack-protector: Kernel stack is corrupted")));
        assertTrue(many.stream().anyMatch(i -> i.title().equals("WARNING in radeon_ttm_bo_destroy")));
        assertTrue(many.stream().anyMatch(i -> i.signature().equals("WARNING") && i.line().contains("_regulator_put")));
        assertTrue(many.stream().anyMatch(i -> i.signature().equals("OOPS") && i.line().contains("Oops: 0003 [#5] PREEMPT SMP")));
        assertTrue(many.stream().anyMatch(i -> i.excerpt().contains("Unhandled fault: external abort on non-linefetch")));
    }
}
