package dev.kboot.harness.run;

import dev.kboot.harness.expunge.SkipPlan;
import dev.kboot.harness.expunge.SuiteExpunges;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.BlktestsParser;
import dev.kboot.harness.parse.FstestsParser;
import dev.kboot.harness.parse.LtpParser;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.guest.Sh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Suites that run as one invocation of their own runner and write a results directory:
 * fstests ({@code ./check -R xunit}), blktests ({@code ./check -o DIR}) and LTP through kirk
 * ({@code kirk --json-report FILE}). The results go to kboot's writable share, so they are on
 * the host as they are written and survive a guest crash; each test's kernel-log marker
 * ({@code run fstests X at}, {@code run blktests X at}) lets a crash be pinned on it.
 *
 * <p>Where the suite is: the profile's {@code dir}, else the guest's suite descriptor
 * ({@link SuiteDescriptor}: its {@code env} is applied before the profile's, its devices must
 * exist, its sections must include the profile's {@code -s}), else the suite's search list.
 *
 * <p>Profile keys: {@code dir} (where the suite is installed), {@code args} (extra arguments:
 * fstests {@code -s SECTION} and groups or tests, blktests groups or tests, kirk
 * {@code --run-suite NAME}), {@code env} (a list of VAR=value), {@code test-timeout} (for the
 * whole invocation).
 */
final class BatchRunner implements SuiteRunner {
    private final String suite;
    private String dir;
    private Optional<SuiteDescriptor> descriptor = Optional.empty();

    BatchRunner(String suite) {
        this.suite = suite;
    }

    @Override
    public String suite() {
        return suite;
    }

    @Override
    public boolean readsSharedDirectory() {
        return true;
    }

    @Override
    public boolean plansEachTest() {
        return false;
    }

    private String program() {
        return suite.equals("ltp") ? "kirk" : "check";
    }

    @Override
    public Optional<String> unavailable(Guest guest, Profile profile) {
        List<String> dirs;
        try {
            descriptor = SuiteDescriptor.read(guest, suite);
            dirs = Runners.searchDirs(profile, descriptor);
        } catch (KbootException e) {
            return Optional.of(e.getMessage());
        }
        if (suite.equals("ltp") && descriptor.isEmpty() && profile.list("dir").isEmpty()) {
            ExecResult r = guest.exec("command -v kirk", Duration.ofMinutes(1));
            if (r.succeeded()) {
                dir = r.out().trim().replaceAll("/kirk$", "");
                return Optional.empty();
            }
        }
        Optional<String> found = Runners.findInGuest(guest, dirs, program());
        found.ifPresent(d -> dir = d);
        if (found.isEmpty()) {
            return Optional.of(program() + " not found in the guest (looked in " + String.join(", ", dirs) + ")");
        }
        return descriptor.flatMap(d -> descriptorProblem(guest, d, profile.list("args")));
    }

    /**
     * What the guest's suite descriptor promises that is not there: a block device its
     * configuration names, or the fstests section the profile asks for.
     */
    static Optional<String> descriptorProblem(Guest guest, SuiteDescriptor d, List<String> args) {
        int s = args.indexOf("-s");
        if (d.suite().equals("fstests") && s >= 0 && s + 1 < args.size() && !d.sections().isEmpty() && !d.sections().contains(args.get(s + 1))) {
            return Optional.of("fstests section '" + args.get(s + 1) + "' is not in the guest's configuration (" + SuiteDescriptor.path(d.suite())
                    + " has " + String.join(", ", d.sections()) + ")");
        }
        if (d.devices().isEmpty()) {
            return Optional.empty();
        }
        ExecResult r = guest.exec("for d in " + Sh.join(d.devices()) + "; do [ -b \"$d\" ] || echo \"$d\"; done", Duration.ofMinutes(1));
        String missing = r.out().strip().replace('\n', ' ');
        return missing.isEmpty() ? Optional.empty()
                : Optional.of(d.suite() + ": the guest has no block device " + missing + " (named by " + SuiteDescriptor.path(d.suite())
                        + "; attach the disks its configuration expects)");
    }

    @Override
    public Plan plan(Guest guest, Profile profile, SuiteExpunges expunges, Timeouts timeouts) {
        Path host = guest.sharedDirectory().resolve(suite);
        try {
            Files.createDirectories(host);
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + host + ": " + e.getMessage(), e);
        }
        String out = Guest.XFER_MOUNT + "/" + suite;
        SkipPlan skip = expunges.skipPlan(List.of(), List.of());
        List<String> args = new ArrayList<>(profile.list("args"));
        StringBuilder env = new StringBuilder();
        List<String> words = new ArrayList<>(descriptor.map(SuiteDescriptor::envWords).orElse(List.of()));
        words.addAll(profile.list("env"));
        for (String e : words) {
            env.append(Sh.quote(e)).append(' ');
        }
        if (suite.equals("ltp") && profile.list("env").stream().noneMatch(e -> e.startsWith("LTP_TIMEOUT_MUL="))) {
            env.append("LTP_TIMEOUT_MUL=").append(timeouts.factorText()).append(' ');
        }
        String command = switch (suite) {
            case "fstests" -> {
                List<String> a = new ArrayList<>(List.of("-R", "xunit"));
                if (skip.excludeFile() != null) {
                    writeQuietly(host.resolve("expunged"), skip.excludeFile());
                    a.addAll(List.of("-E", out + "/expunged"));
                }
                a.addAll(args);
                yield "cd " + Sh.quote(dir) + " && env " + env + "RESULT_BASE=" + out + "/results ./check " + Sh.join(a);
            }
            case "blktests" -> {
                List<String> a = new ArrayList<>(List.of("-o", out + "/results"));
                a.addAll(skip.args());
                a.addAll(args);
                yield "cd " + Sh.quote(dir) + " && env " + env + "./check " + Sh.join(a);
            }
            default -> {
                List<String> a = new ArrayList<>(List.of("--json-report", out + "/report.json"));
                a.addAll(skip.args());
                a.addAll(args);
                yield "env " + env + Sh.quote(dir + "/kirk") + " " + Sh.join(a);
            }
        };
        Duration timeout = timeouts.forProfile(profile);
        List<TestResult> expunged = skip.expunged().stream().map(id -> TestResult.of(id, Status.EXPUNGED, "", "expunged")).toList();
        return new Plan(List.of(new PlannedTest(TestId.of(suite, "(run)"), command, timeout)), expunged);
    }

    private static void writeQuietly(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<TestResult> judge(Guest guest, PlannedTest test, ExecResult r) {
        List<TestResult> parsed = salvage(guest, test);
        if (!parsed.isEmpty()) {
            return parsed;
        }
        Status s = r.ending() == ExecResult.Ending.TIMED_OUT ? Status.TIMEOUT : Status.ERROR;
        return List.of(TestResult.of(test.id(), s, "exit=" + r.shellStatus(), suite + " produced no results (" + r.describe() + ")")
                .withExcerpt(Runners.output(r)).withDuration(r.duration().toMillis()));
    }

    @Override
    public List<TestResult> salvage(Guest guest, PlannedTest test) {
        Path host = guest.sharedDirectory().resolve(suite);
        return switch (suite) {
            case "fstests" -> Files.isDirectory(host.resolve("results")) ? FstestsParser.parse(host.resolve("results")) : List.of();
            case "blktests" -> Files.isDirectory(host.resolve("results")) ? BlktestsParser.parse(host.resolve("results")) : List.of();
            default -> {
                try {
                    Path f = host.resolve("report.json");
                    yield Files.exists(f) ? LtpParser.parseKirkJson(Files.readString(f)) : List.of();
                } catch (IOException e) {
                    yield List.of();
                }
            }
        };
    }
}
