package dev.kboot.harness.run;

import dev.kboot.harness.expunge.SuiteExpunges;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.KunitParser;
import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.guest.Sh;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * KUnit test modules: each module is loaded ({@code modprobe}) with the kernel log cleared
 * first, and the KTAP it printed to the kernel log is judged by {@link KunitParser}. Needs a
 * kernel with CONFIG_KUNIT.
 *
 * <p>Profile keys: {@code modules} (default: every installed module whose name ends in
 * {@code _kunit} or {@code _test} under kernel/.../kunit or lib/), {@code test-timeout}.
 */
final class KunitRunner implements SuiteRunner {
    @Override
    public String suite() {
        return "kunit";
    }

    @Override
    public boolean plansEachTest() {
        return false;
    }

    @Override
    public Optional<String> unavailable(Guest guest, Profile profile) {
        ExecResult r = guest.exec("[ -d /sys/module/kunit ] || modprobe kunit", Duration.ofMinutes(1));
        return r.succeeded() ? Optional.empty() : Optional.of("the kernel has no KUnit (CONFIG_KUNIT): " + r.err().strip());
    }

    @Override
    public Plan plan(Guest guest, Profile profile, SuiteExpunges expunges, Timeouts timeouts) {
        List<String> modules = profile.list("modules");
        if (modules.isEmpty()) {
            ExecResult r = guest.exec("find /lib/modules/$(uname -r) -name '*kunit*.ko*' -o -name '*_test.ko*' | sed 's|.*/||; s|\\.ko.*||' | sort",
                    Duration.ofMinutes(1));
            modules = r.out().lines().filter(l -> !l.isBlank()).toList();
        }
        Duration timeout = timeouts.forProfile(profile);
        List<PlannedTest> tests = new ArrayList<>();
        List<TestResult> expunged = new ArrayList<>();
        for (String m : modules) {
            TestId id = TestId.of(suite(), m);
            Optional<TestResult> ex = Runners.expunged(expunges, id);
            if (ex.isPresent()) {
                expunged.add(ex.get());
            } else {
                tests.add(new PlannedTest(id, "dmesg -c >/dev/null; modprobe " + Sh.quote(m) + "; rc=$?; dmesg; modprobe -r " + Sh.quote(m)
                        + " 2>/dev/null; exit $rc", timeout));
            }
        }
        return new Plan(tests, expunged);
    }

    @Override
    public List<TestResult> judge(Guest guest, PlannedTest test, ExecResult r) {
        if (r.ending() == ExecResult.Ending.TIMED_OUT) {
            return List.of(Runners.timedOut(test, r));
        }
        List<TestResult> parsed = KunitParser.parse(r.out());
        if (parsed.isEmpty() || (parsed.size() == 1 && parsed.get(0).status() == Status.ERROR && !r.succeeded())) {
            return List.of(TestResult.of(test.id(), r.succeeded() ? Status.ERROR : Status.FAIL, "exit=" + r.shellStatus(),
                    "modprobe " + test.id().local() + " " + r.describe() + " and printed no KTAP").withExcerpt(Runners.output(r))
                    .withDuration(r.duration().toMillis()));
        }
        return parsed;
    }
}
