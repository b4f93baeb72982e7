package dev.kboot.harness.run;

import dev.kboot.harness.expunge.Action;
import dev.kboot.harness.expunge.ExpungeEntry;
import dev.kboot.harness.expunge.SuiteExpunges;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.guest.Sh;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/** The suite runners by name, and what they share. */
public final class Runners {
    private Runners() {
    }

    /**
     * @param suite a suite name
     * @return its runner
     * @throws KbootException 64 for a suite kboot cannot run in a guest
     */
    public static SuiteRunner of(String suite) {
        return switch (suite) {
            case "kselftest" -> new KselftestRunner();
            case "command" -> new CommandRunner();
            case "kunit" -> new KunitRunner();
            case "fstests", "blktests", "ltp" -> new BatchRunner(suite);
            default -> throw KbootException.usage("--suite " + suite + ": expected kselftest, kunit, fstests, blktests, ltp or command");
        };
    }

    /** @return the EXPUNGED result for a test a skip entry covers, if one does */
    static Optional<TestResult> expunged(SuiteExpunges ex, TestId id) {
        Optional<ExpungeEntry> e = ex.match(id);
        if (e.isPresent() && e.get().action() == Action.SKIP) {
            return Optional.of(TestResult.of(id, Status.EXPUNGED, "", e.get().because()));
        }
        return Optional.empty();
    }

    /**
     * Where a suite may be installed in the guest, in order: the profile's {@code dir}, the
     * {@code dir} of the guest's suite descriptor (/etc/kboot/suites/SUITE.json), then the suite's
     * {@code search} list (testsuites/SUITE.yaml).
     *
     * @return the directories, each once
     */
    static List<String> searchDirs(Profile profile, Optional<SuiteDescriptor> descriptor) {
        LinkedHashSet<String> dirs = new LinkedHashSet<>(profile.list("dir"));
        descriptor.ifPresent(d -> dirs.add(d.dir()));
        dirs.addAll(profile.search());
        return List.copyOf(dirs);
    }

    /**
     * Finds the first of {@code dirs} holding an executable {@code file} in the guest.
     *
     * @return the directory, or empty
     */
    static Optional<String> findInGuest(Guest guest, List<String> dirs, String file) {
        if (dirs.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder cmd = new StringBuilder("for d in");
        for (String d : dirs) {
            cmd.append(' ').append(Sh.quote(d));
        }
        cmd.append("; do [ -x \"$d/").append(file).append("\" ] && { echo \"$d\"; exit 0; }; done; exit 1");
        ExecResult r = guest.exec(cmd.toString(), Duration.ofSeconds(60));
        return r.succeeded() ? Optional.of(r.out().trim()) : Optional.empty();
    }

    /** @return stdout and stderr of a command, for an excerpt */
    static String output(ExecResult r) {
        String out = r.out();
        String err = r.err();
        return err.isEmpty() ? out : out + (out.endsWith("\n") || out.isEmpty() ? "" : "\n") + "--- stderr ---\n" + err;
    }

    /** @return the result for a test kboot killed at its timeout */
    static TestResult timedOut(PlannedTest t, ExecResult r) {
        return TestResult.of(t.id(), Status.TIMEOUT, "", "killed after " + t.timeout().toSeconds() + " s (test timeout)")
                .withExcerpt(output(r)).withDuration(r.duration().toMillis());
    }
}
