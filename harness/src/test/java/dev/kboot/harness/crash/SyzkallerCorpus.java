package dev.kboot.harness.crash;

import dev.kboot.harness.model.Incident;
import dev.kboot.harness.parse.Lines;
import dev.kboot.launcher.console.ConsoleLine;
import dev.kboot.launcher.console.CrashSignature;
import dev.kboot.launcher.console.CrashWatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * syzkaller's {@code pkg/report/testdata/linux/report} files (test resources under {@code syzkaller/},
 * see the README there): each file's header gives the title and type syzkaller's parser must find
 * in the console log that follows. This class reads them and judges kboot's detector and titles
 * against them.
 */
public final class SyzkallerCorpus {
    /**
     * One file.
     *
     * @param name   the file name (a number)
     * @param title  syzkaller's {@code TITLE}, or null when the log holds no report
     * @param alt    its {@code ALT} titles
     * @param type   its {@code TYPE}, or null
     * @param log    the console log lines
     */
    public record Case(String name, String title, List<String> alt, String type, List<String> log) {
    }

    /**
     * What kboot made of one file.
     *
     * @param c         the file
     * @param kind      the first incident's kind, or null when kboot found none
     * @param title     the first incident's title, or null
     * @param expected  the kind syzkaller's title stands for ({@link #expectedKind}), or null for no incident
     */
    public record Verdict(Case c, CrashSignature kind, String title, Optional<CrashSignature> expected) {
        /** @return whether kboot found a report exactly when syzkaller did, and of the kind syzkaller's title says */
        public boolean kindAgrees() {
            return expected.map(e -> e == kind).orElse(kind == null);
        }

        /** @return whether kboot's title is syzkaller's (or both found nothing) */
        public boolean titleAgrees() {
            return c.title() == null || notKernel(c) ? title == null : c.title().equals(title);
        }
    }

    private SyzkallerCorpus() {
    }

    /** @return every file of the directory, in numeric order */
    public static List<Case> load(Path dir) {
        List<Case> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().matches("\\d+")).sorted(Comparator.comparingInt(
                    f -> Integer.parseInt(f.getFileName().toString()))).toList()) {
                out.add(read(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Reads one file: header lines up to the first empty line, then the log up to an empty line followed by {@code REPORT:}. */
    static Case read(Path p) throws IOException {
        String text = Lines.decode(Files.readAllBytes(p)).replace("\r", "");
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        String title = null;
        String type = null;
        List<String> alt = new ArrayList<>();
        int i = 0;
        for (; i < lines.size() && !lines.get(i).isEmpty(); i++) {
            String h = lines.get(i);
            if (h.startsWith("TITLE:")) {
                title = h.substring(6).strip();
                title = title.isEmpty() ? null : title;
            } else if (h.startsWith("ALT: ")) {
                alt.add(h.substring(5));
            } else if (h.startsWith("TYPE: ")) {
                type = h.substring(6);
            }
        }
        List<String> log = new ArrayList<>();
        for (i = i + 1; i < lines.size(); i++) {
            if (lines.get(i).equals("REPORT:") && i > 0 && lines.get(i - 1).isEmpty()) {
                if (!log.isEmpty()) {
                    log.remove(log.size() - 1);
                }
                break;
            }
            log.add(lines.get(i));
        }
        return new Case(p.getFileName().toString(), title, alt, type, log);
    }

    /**
     * The kboot kind a syzkaller title stands for (syzkaller derives its TYPE from the title's start
     * the same way, {@code pkg/report/crash/title_to_type.go}); the table is in docs/verdicts.md.
     *
     * @param title a syzkaller title, or null for a log without a report
     * @return the kind, or empty when no incident is right
     */
    public static Optional<CrashSignature> expectedKind(String title) {
        if (title == null) {
            return Optional.empty();
        }
        Map<String, CrashSignature> prefixes = new LinkedHashMap<>();
        prefixes.put("KASAN:", CrashSignature.KASAN);
        prefixes.put("KFENCE:", CrashSignature.KFENCE);
        prefixes.put("KMSAN:", CrashSignature.KMSAN);
        prefixes.put("KCSAN:", CrashSignature.KCSAN);
        prefixes.put("UBSAN:", CrashSignature.UBSAN);
        prefixes.put("memory leak", CrashSignature.MEMLEAK);
        prefixes.put("BUG: corrupted list", CrashSignature.LIST_CORRUPTION);
        for (String l : List.of("possible deadlock", "inconsistent lock state", "WARNING: locking bug", "WARNING: bad unlock balance",
                "BUG: bad unlock balance", "WARNING: held lock freed", "BUG: held lock freed", "WARNING: still has locks held",
                "BUG: still has locks held", "WARNING: lock held when returning", "BUG: lock held when returning",
                "WARNING: nested lock was not taken", "WARNING: suspicious RCU usage", "INFO: suspicious RCU usage", "BUG: spinlock",
                "BUG: rwlock", "BUG: using ", "INFO: trying to register non-static key", "BUG: MAX_", "BUG: workqueue leaked lock",
                "WARNING: possible circular locking dependency")) {
            prefixes.put(l, CrashSignature.LOCKDEP);
        }
        prefixes.put("BUG: sleeping function called from invalid context", CrashSignature.ATOMIC_SLEEP);
        prefixes.put("BUG: scheduling while atomic", CrashSignature.ATOMIC_SLEEP);
        prefixes.put("BUG: soft lockup", CrashSignature.SOFT_LOCKUP);
        prefixes.put("BUG: workqueue lockup", CrashSignature.SOFT_LOCKUP);
        prefixes.put("INFO: task hung", CrashSignature.HUNG_TASK);
        prefixes.put("INFO: task can't die", CrashSignature.HUNG_TASK);
        prefixes.put("unregister_netdevice: waiting for", CrashSignature.HUNG_TASK);
        prefixes.put("INFO: rcu detected stall", CrashSignature.RCU_STALL);
        prefixes.put("INFO: Allocated", CrashSignature.BUG);
        prefixes.put("INFO: Freed", CrashSignature.BUG);
        prefixes.put("INFO: corrupted", CrashSignature.BUG);
        prefixes.put("WARNING", CrashSignature.WARNING);
        prefixes.put("general protection fault", CrashSignature.GPF);
        for (String o : List.of("Internal error", "divide error", "invalid opcode", "int3", "stack segment fault", "PANIC: double fault",
                "Unhandled fault", "Alignment trap")) {
            prefixes.put(o, CrashSignature.OOPS);
        }
        for (String p : List.of("kernel panic", "kernel stack overflow", "trusty:")) {
            prefixes.put(p, CrashSignature.PANIC);
        }
        prefixes.put("unexpected kernel reboot", CrashSignature.REBOOT);
        for (String b : List.of("BUG", "kernel BUG", "VFS:", "attempt to ")) {
            prefixes.put(b, CrashSignature.BUG);
        }
        for (Map.Entry<String, CrashSignature> e : prefixes.entrySet()) {
            if (title.startsWith(e.getKey())) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /** @return whether the title is output of syzkaller's own programs (its executor, its Go fuzzer), not of the kernel */
    public static boolean notKernel(Case c) {
        return c.title() != null && (c.title().startsWith("SYZFAIL") || c.title().startsWith("SYZFATAL")
                || c.title().equals("go runtime error") || c.title().startsWith("panic:"));
    }

    /** Runs the launcher's detector over the log, as the console streams it, and titles the first incident. */
    public static Verdict judge(Case c) {
        CrashWatch w = new CrashWatch();
        long i = 0;
        for (String l : c.log()) {
            w.accept(new ConsoleLine(i, "ttyS0", i, l));
            i++;
        }
        List<CrashWatch.Incident> found = w.incidents();
        Optional<CrashSignature> expected = notKernel(c) ? Optional.empty() : expectedKind(c.title());
        if (found.isEmpty()) {
            return new Verdict(c, null, null, expected);
        }
        Incident first = Incident.of(found.get(0));
        return new Verdict(c, found.get(0).signature(), first.title(), expected);
    }

    /** Prints every disagreement and the figures: {@code java ... SyzkallerCorpus DIR}. */
    public static void main(String[] args) {
        List<Verdict> all = load(Path.of(args[0])).stream().map(SyzkallerCorpus::judge).toList();
        int kinds = 0;
        int titles = 0;
        for (Verdict v : all) {
            kinds += v.kindAgrees() ? 1 : 0;
            titles += v.titleAgrees() ? 1 : 0;
            if (!v.kindAgrees() || !v.titleAgrees()) {
                System.out.println(v.c().name() + (v.kindAgrees() ? "" : " KIND") + "\n  want: " + v.c().title() + " [" + v.expected().orElse(null)
                        + "]\n  got:  " + v.title() + " [" + v.kind() + "]");
            }
        }
        System.out.printf("files %d, kinds %d (%.1f%%), titles %d (%.1f%%)%n", all.size(), kinds, 100.0 * kinds / all.size(), titles,
                100.0 * titles / all.size());
    }
}
