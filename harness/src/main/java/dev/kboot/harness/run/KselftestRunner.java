package dev.kboot.harness.run;

import dev.kboot.harness.expunge.SuiteExpunges;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.KselftestParser;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.guest.Sh;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * kselftest through its own runner: {@code run_kselftest.sh -l} lists the installed tests
 * ({@code COLLECTION:TEST}), and each test runs as {@code run_kselftest.sh -t COLLECTION:TEST}
 * (linux 6.1's runner has no skip option, so expunged tests are simply not started). Its TAP 13
 * output is judged by {@link KselftestParser}: {@code ok}, {@code not ok}, {@code # SKIP},
 * {@code # TIMEOUT}, {@code # exit=N}.
 *
 * <p>An installation the guest cannot write to (the store) is run from a copy in /tmp.
 *
 * <p>Profile keys: {@code dir} (where run_kselftest.sh is, else the guest's suite descriptor, else
 * the suite's search list),
 * {@code collections} (default: all), {@code tests} (COLLECTION:TEST, default: all of the
 * collections), {@code exclude} (COLLECTION:TEST not part of the profile), {@code test-timeout}.
 */
final class KselftestRunner implements SuiteRunner {
    private String dir;

    @Override
    public String suite() {
        return "kselftest";
    }

    @Override
    public Optional<String> unavailable(Guest guest, Profile profile) {
        List<String> dirs;
        try {
            dirs = Runners.searchDirs(profile, SuiteDescriptor.read(guest, suite()));
        } catch (KbootException e) {
            return Optional.of(e.getMessage());
        }
        Optional<String> found = Runners.findInGuest(guest, dirs, "run_kselftest.sh");
        if (found.isEmpty()) {
            return Optional.of("run_kselftest.sh not found in the guest (looked in " + String.join(", ", dirs) + ")");
        }
        // Some tests write next to themselves and the runner writes settings and logs there: an
        // installation in the read-only store is run from a copy on the guest's tmpfs.
        ExecResult w = guest.exec("d=" + Sh.quote(found.get()) + "; if ( : > \"$d/.kboot-w\" ) 2>/dev/null; then rm -f \"$d/.kboot-w\"; echo \"$d\"; "
                + "else rm -rf " + COPY + " && cp -a \"$d\" " + COPY + " && echo " + COPY + "; fi", Duration.ofMinutes(5));
        if (!w.succeeded()) {
            return Optional.of("cannot make a writable copy of " + found.get() + ": " + w.err().strip());
        }
        dir = w.out().trim();
        return Optional.empty();
    }

    /** Where a read-only installation is copied to in the guest. */
    static final String COPY = "/tmp/kboot-kselftest";

    @Override
    public Plan plan(Guest guest, Profile profile, SuiteExpunges expunges, Duration defaultTimeout) {
        ExecResult list = guest.exec("cd " + Sh.quote(dir) + " && ./run_kselftest.sh -l", Duration.ofMinutes(2));
        List<String> collections = profile.list("collections");
        List<String> wanted = profile.list("tests");
        List<String> exclude = profile.list("exclude");
        Duration timeout = profile.testTimeout().orElse(defaultTimeout);
        List<PlannedTest> tests = new ArrayList<>();
        List<TestResult> expunged = new ArrayList<>();
        for (String line : list.out().lines().map(String::trim).filter(l -> l.contains(":")).toList()) {
            String coll = line.substring(0, line.indexOf(':'));
            String test = line.substring(line.indexOf(':') + 1);
            if ((!collections.isEmpty() && !collections.contains(coll)) || (!wanted.isEmpty() && !wanted.contains(line)) || exclude.contains(line)) {
                continue;
            }
            TestId id = TestId.of(suite(), coll, test);
            Optional<TestResult> ex = Runners.expunged(expunges, id);
            if (ex.isPresent()) {
                expunged.add(ex.get());
                continue;
            }
            tests.add(new PlannedTest(id, "cd " + Sh.quote(dir) + " && ./run_kselftest.sh -t " + Sh.quote(line), timeout));
        }
        return new Plan(tests, expunged);
    }

    @Override
    public List<TestResult> judge(Guest guest, PlannedTest test, ExecResult r) {
        if (r.ending() == ExecResult.Ending.TIMED_OUT) {
            return List.of(Runners.timedOut(test, r));
        }
        String out = Runners.output(r);
        List<TestResult> parsed = KselftestParser.parse(r.out());
        for (TestResult p : parsed) {
            if (p.id().equals(test.id())) {
                return List.of(p.withExcerpt(out).withDuration(r.duration().toMillis()));
            }
        }
        return List.of(TestResult.of(test.id(), Status.ERROR, "", "run_kselftest.sh printed no result for " + test.id().local()
                + " (" + r.describe() + ")").withExcerpt(out).withDuration(r.duration().toMillis()));
    }
}
