package dev.kboot.harness.crash;

import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.TestId;
import java.util.Locale;

/**
 * Tests that make the kernel report a bug on purpose, to check that the report happens: a splat
 * while they run is theirs, judged by their own result line, and neither fails them nor crashes the
 * run. The classes:
 * <ul>
 * <li>kselftest's {@code lkdtm} collection ({@code tools/testing/selftests/lkdtm}: {@code BUG.sh},
 *     {@code WARNING.sh}, {@code EXCEPTION.sh}, {@code CORRUPT_LIST_ADD.sh}, ...) writes a crash type to
 *     {@code /sys/kernel/debug/provoke-crash/DIRECT} and checks the kernel log for the report: any
 *     report but a panic or a reboot (which end the machine) is expected;</li>
 * <li>the KASAN KUnit suite ({@code mm/kasan/kasan_test*.c}, suite {@code kasan}, module
 *     {@code kasan_test}) expects KASAN reports;</li>
 * <li>the KFENCE KUnit suite ({@code mm/kfence/kfence_test.c}, suite {@code kfence}) expects KFENCE reports.</li>
 * </ul>
 * Pure.
 */
public final class ExpectedSplats {
    private ExpectedSplats() {
    }

    /**
     * @param test     the test that was running
     * @param incident what the kernel reported meanwhile
     * @return whether the test provokes reports of that kind on purpose
     */
    public static boolean provokes(TestId test, Incident incident) {
        String kind = incident.signature();
        var s = test.segments();
        if (s.size() < 2) {
            return false;
        }
        String suite = s.get(0);
        String level = s.get(1).toLowerCase(Locale.ROOT);
        if (suite.equals("kselftest") && level.equals("lkdtm")) {
            return !kind.equals("PANIC") && !kind.equals("REBOOT");
        }
        if (suite.equals("kunit")) {
            if (level.startsWith("kasan")) {
                return kind.equals("KASAN");
            }
            if (level.startsWith("kfence")) {
                return kind.equals("KFENCE");
            }
        }
        return false;
    }

    /** @return the incident, marked expected when {@link #provokes} says so */
    public static Incident judge(TestId test, Incident incident) {
        return !incident.expected() && provokes(test, incident) ? incident.asExpected() : incident;
    }
}
