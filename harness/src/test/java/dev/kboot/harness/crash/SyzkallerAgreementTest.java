package dev.kboot.harness.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * kboot's crash detector and titles judged against syzkaller's own parser tests: every x86_64 and
 * arm64 file of syzkaller's {@code pkg/report/testdata/linux/report} (test resources under
 * {@code syzkaller/linux-report}, source and licence in the README there) gives the title and type
 * syzkaller expects. Prints the agreement figures (docs/verdicts.md quotes them).
 */
class SyzkallerAgreementTest {
    /**
     * Files where kboot answers differently on purpose or cannot yet, each with why
     * (docs/verdicts.md lists them too). Any other disagreement fails the test.
     */
    static final Map<String, String> KNOWN = new TreeMap<>(Map.of(
            "200", "a fault injection stack interleaves the GPF (syzkaller marks it CORRUPTED): syzkaller names a frame of that stack (__alloc_skb), not the faulting RIP (ip6t_do_table); kboot says corrupted",
            "597", "kboot names the KUnit case kunit_try_run_case ran (test_kmalloc_aligned_oob_write); syzkaller skips it as an allocator"));

    @Test
    void detectorAndTitlesAgreeWithSyzkaller() throws Exception {
        Path dir = Path.of(SyzkallerAgreementTest.class.getResource("/syzkaller/linux-report").toURI());
        List<SyzkallerCorpus.Verdict> all = SyzkallerCorpus.load(dir).stream().map(SyzkallerCorpus::judge).toList();
        List<SyzkallerCorpus.Verdict> kernel = all.stream().filter(v -> !SyzkallerCorpus.notKernel(v.c())).toList();
        List<SyzkallerCorpus.Verdict> reports = kernel.stream().filter(v -> v.c().title() != null).toList();
        long kinds = kernel.stream().filter(SyzkallerCorpus.Verdict::kindAgrees).count();
        long titles = kernel.stream().filter(SyzkallerCorpus.Verdict::titleAgrees).count();
        long reportTitles = reports.stream().filter(SyzkallerCorpus.Verdict::titleAgrees).count();
        long benign = kernel.size() - reports.size();
        long benignQuiet = kernel.stream().filter(v -> v.c().title() == null && v.kind() == null).count();
        long syz = all.size() - kernel.size();
        long syzQuiet = all.stream().filter(v -> SyzkallerCorpus.notKernel(v.c()) && v.kind() == null).count();
        System.out.printf(Locale.ROOT, "syzkaller pkg/report agreement: %d files (x86_64 and arm64)%n", all.size());
        System.out.printf(Locale.ROOT, "  kernel logs: %d; kind agrees %d (%.1f%%), title agrees %d (%.1f%%)%n", kernel.size(), kinds,
                100.0 * kinds / kernel.size(), titles, 100.0 * titles / kernel.size());
        System.out.printf(Locale.ROOT, "  of them with a report: %d; title agrees %d (%.1f%%)%n", reports.size(), reportTitles,
                100.0 * reportTitles / reports.size());
        System.out.printf(Locale.ROOT, "  of them without a report: %d; no incident %d%n", benign, benignQuiet);
        System.out.printf(Locale.ROOT, "  syzkaller's own programs' output (SYZFAIL, Go runtime): %d; no incident %d%n", syz, syzQuiet);
        for (SyzkallerCorpus.Verdict v : all) {
            if (!v.kindAgrees() || !v.titleAgrees()) {
                System.out.printf(Locale.ROOT, "  %s: syzkaller '%s', kboot '%s' [%s]%n", v.c().name(), v.c().title(), v.title(), v.kind());
                assertTrue(KNOWN.containsKey(v.c().name()), "file " + v.c().name() + ": syzkaller says '" + v.c().title() + "' ("
                        + v.expected().orElse(null) + "), kboot says '" + v.title() + "' (" + v.kind() + ")");
            }
        }
        for (String known : KNOWN.keySet()) {
            assertTrue(all.stream().anyMatch(v -> v.c().name().equals(known) && !(v.kindAgrees() && v.titleAgrees())),
                    "file " + known + " agrees now: take it off the known list (and docs/verdicts.md)");
        }
                assertEquals(syz, syzQuiet, "syzkaller's own programs' failures are no kernel incident");
        assertTrue(100.0 * kinds / kernel.size() >= 99.5, "kinds");
        assertTrue(100.0 * titles / kernel.size() >= 95.0, "titles");
    }
}
