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
 *
 * <p>With a timeout factor other than 1 (TCG), kselftest's own per-test timeouts are scaled too:
 * through {@code --override-timeout} where the runner has it, else in the {@code settings} files
 * of kboot's copy of the installation ({@value #COPY}).
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
    public Plan plan(Guest guest, Profile profile, SuiteExpunges expunges, Timeouts timeouts) {
        ExecResult list = guest.exec("cd " + Sh.quote(dir) + " && ./run_kselftest.sh -l", Duration.ofMinutes(2));
        List<String> collections = profile.list("collections");
        List<String> wanted = profile.list("tests");
        List<String> exclude = profile.list("exclude");
        Duration timeout = timeouts.forProfile(profile);
        List<String> lines = list.out().lines().map(String::trim).filter(l -> l.contains(":")).toList();
        OwnTimeouts own = timeouts.factor() == 1 ? null : scaleOwnTimeouts(guest, lines, timeouts);
        List<PlannedTest> tests = new ArrayList<>();
        List<TestResult> expunged = new ArrayList<>();
        for (String line : lines) {
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
            String run = "./run_kselftest.sh";
            Duration limit = timeout;
            if (own != null) {
                long secs = own.seconds(coll);
                if (own.override()) {
                    run += " -o " + secs;
                }
                // kboot's own limit stays above the runner's, so the runner reports its TIMEOUT
                if (secs > 0 && limit.compareTo(Duration.ofSeconds(secs + 30)) < 0) {
                    limit = Duration.ofSeconds(secs + 30);
                }
            }
            tests.add(new PlannedTest(id, "cd " + Sh.quote(dir) + " && " + run + " -t " + Sh.quote(line), limit));
        }
        return new Plan(tests, expunged);
    }

    /**
     * kselftest's own per-test timeouts (runner.sh's default, 45 s in 6.1, or a collection's
     * {@code settings} file), scaled.
     *
     * @param scaled   collection to its scaled timeout in s (0: none); absent ones take the default
     * @param fallback the scaled default
     * @param override whether the runner takes {@code --override-timeout} (linux 6.4+); else the
     *                 settings files of kboot's copy of the installation hold the scaled values
     */
    private record OwnTimeouts(java.util.Map<String, Long> scaled, long fallback, boolean override) {
        long seconds(String collection) {
            return scaled.getOrDefault(collection, fallback);
        }
    }

    private OwnTimeouts scaleOwnTimeouts(Guest guest, List<String> lines, Timeouts timeouts) {
        ExecResult r = guest.exec("cd " + Sh.quote(dir) + " && { ./run_kselftest.sh --help 2>&1 | grep -q -- --override-timeout && echo override; "
                + "echo default $(sed -n 's/^export kselftest_default_timeout=//p' kselftest/runner.sh 2>/dev/null); "
                + "find . -name settings | while read -r s; do c=${s#./}; echo \"settings ${c%/settings} $(sed -n 's/^timeout=//p' \"$s\" | tail -n 1)\"; done; }",
                Duration.ofMinutes(2));
        boolean override = false;
        long fallback = 45;
        java.util.Map<String, Long> own = new java.util.HashMap<>();
        for (String l : r.out().lines().toList()) {
            String[] f = l.trim().split("\\s+");
            try {
                if (f[0].equals("override")) {
                    override = true;
                } else if (f[0].equals("default") && f.length > 1) {
                    fallback = Long.parseLong(f[1]);
                } else if (f[0].equals("settings") && f.length > 2) {
                    own.put(f[1], Long.parseLong(f[2]));
                }
            } catch (NumberFormatException e) {
                // a settings file kboot cannot read: the default applies
            }
        }
        long def = timeouts.scaleSeconds(fallback);
        java.util.Map<String, Long> scaled = new java.util.TreeMap<>();
        for (String line : lines) {
            String coll = line.substring(0, line.indexOf(':'));
            scaled.put(coll, own.containsKey(coll) ? timeouts.scaleSeconds(own.get(coll)) : def);
        }
        if (!override && !scaled.isEmpty()) {
            // 6.1's runner has no override: its settings files say each collection's timeout, so
            // kboot's own copy of the installation gets scaled ones.
            StringBuilder cmd = new StringBuilder();
            if (!dir.equals(COPY)) {
                cmd.append("rm -rf ").append(COPY).append(" && cp -a ").append(Sh.quote(dir)).append(' ').append(COPY).append(" && ");
            }
            cmd.append("cd ").append(COPY);
            scaled.forEach((c, v) -> cmd.append(" && { grep -v '^timeout=' ").append(Sh.quote(c + "/settings")).append(" 2>/dev/null; echo timeout=").append(v)
                    .append("; } > ").append(Sh.quote(c + "/settings.kboot")).append(" && mv ").append(Sh.quote(c + "/settings.kboot")).append(' ')
                    .append(Sh.quote(c + "/settings")));
            ExecResult w = guest.exec(cmd.toString(), Duration.ofMinutes(5));
            if (!w.succeeded()) {
                throw new IllegalStateException("cannot scale kselftest's timeouts in " + COPY + ": " + w.err().strip());
            }
            dir = COPY;
        }
        return new OwnTimeouts(scaled, def, override);
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
