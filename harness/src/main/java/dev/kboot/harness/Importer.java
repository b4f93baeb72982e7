package dev.kboot.harness;

import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.crash.CrashAttribution;
import dev.kboot.harness.crash.TestWindow;
import dev.kboot.harness.expunge.Expunges;
import dev.kboot.harness.expunge.SuiteExpunges;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.BlktestsParser;
import dev.kboot.harness.parse.FstestsConsoleParser;
import dev.kboot.harness.parse.FstestsParser;
import dev.kboot.harness.parse.KselftestParser;
import dev.kboot.harness.parse.KtapParser;
import dev.kboot.harness.parse.KtapResults;
import dev.kboot.harness.parse.KunitParser;
import dev.kboot.harness.parse.Lines;
import dev.kboot.harness.parse.Located;
import dev.kboot.harness.parse.LtpParser;
import dev.kboot.harness.report.ResultsDirectory;
import dev.kboot.harness.report.ResultsJson;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judges output a suite produced elsewhere ({@code kboot results import}): parses every input with
 * the suite's parser, scans every text input for kernel crashes and attributes them, applies the
 * expunges, compares with a baseline, and writes the results directory. Text inputs that hold no
 * results of the suite (a dmesg beside a TAP file) only feed crash detection.
 */
public final class Importer {
    private static final Pattern LINUX_VERSION = Pattern.compile("Linux version (\\S+)");
    private static final Pattern LTP_KERNEL = Pattern.compile("^Kernel Version:\\s*(\\S+)", Pattern.MULTILINE);
    /** fstests' {@code PLATFORM      -- Linux/x86_64 HOST RELEASE ...}. */
    private static final Pattern FSTESTS_PLATFORM = Pattern.compile("^PLATFORM\\s+--\\s+Linux/\\S+\\s+\\S+\\s+(\\S+)", Pattern.MULTILINE);

    private Importer() {
    }

    /**
     * What to import.
     *
     * @param suite        the suite name ({@code kselftest}, {@code kunit}, {@code ktap}, {@code fstests},
     *                     {@code blktests}, {@code ltp})
     * @param profile      the suite profile the expunges are matched against, or null
     * @param inputs       files or directories the suite produced (TAP, console log, dmesg, result.xml,
     *                     results directories, kirk JSON, runltp log)
     * @param resultsDir   where to write results.json, junit.xml and summary.txt
     * @param expunges     an expunge YAML file, or null
     * @param baseline     a baseline results.json (or its directory), or null
     * @param kbootVersion the version to record
     * @param now          the time to record as the run's start and end
     */
    public record Request(String suite, String profile, List<Path> inputs, Path resultsDir, Path expunges, Path baseline,
                          String kbootVersion, Instant now) {
    }

    /**
     * What came of it.
     *
     * @param run        the judged run, as written
     * @param comparison the run against the baseline, or null
     * @param verdict    the exit status and why
     */
    public record Outcome(RunResult run, Comparison comparison, Verdict verdict) {
    }

    /**
     * Imports and writes the results directory.
     *
     * @param r the request
     * @return the run, its comparison and verdict
     * @throws KbootException exit 64 for an unknown suite or a suite that cannot be imported, 66 for a
     *                        missing input, expunge or baseline file, 65 for a malformed expunge or baseline file
     */
    public static Outcome run(Request r) {
        return run(r, null);
    }

    /**
     * Imports and writes the results directory, reporting as it goes.
     *
     * @param r        the request
     * @param progress told of each stage ({@code reading FILE (2/3, 45.2 MiB)}, then judging and writing),
     *                 of the tests found once every input is read, and of every judged result at the end, or null
     * @return the run, its comparison and verdict
     * @throws KbootException as {@link #run(Request)}
     */
    public static Outcome run(Request r, dev.kboot.harness.run.Progress progress) {
        Suite suite = Suite.parse(r.suite());
        if (suite == Suite.COMMAND) {
            throw KbootException.usage("--suite command: a command suite is judged by its exit status while kboot runs it; it has nothing to import");
        }
        if (r.inputs().isEmpty()) {
            throw KbootException.usage("no input: give the files or directories the suite produced");
        }
        for (Path p : r.inputs()) {
            if (!Files.exists(p)) {
                throw KbootException.missing("input", p);
            }
        }
        Expunges expunges = r.expunges() == null ? Expunges.none() : Expunges.load(r.expunges());
        RunResult base = r.baseline() == null ? null : ResultsJson.read(r.baseline());

        List<TestResult> results = new ArrayList<>();
        List<TestResult> pseudo = new ArrayList<>();
        List<TestWindow> windows = new ArrayList<>();
        List<Incident> incidents = new ArrayList<>();
        List<List<String>> kernelLogs = new ArrayList<>();
        List<Integer> kernelLogBases = new ArrayList<>();
        List<Path> artifactBases = new ArrayList<>();
        String release = null;
        int base0 = 0;
        int inputNo = 0;
        for (Path in : r.inputs()) {
            inputNo++;
            if (progress != null) {
                progress.step(reading(in, inputNo, r.inputs().size()));
            }
            if (Files.isDirectory(in)) {
                artifactBases.add(in);
                List<TestResult> got = switch (suite) {
                    case FSTESTS -> FstestsParser.parse(in);
                    case BLKTESTS -> BlktestsParser.parse(in);
                    default -> throw KbootException.usage(in + ": " + suite.id() + " output is a file (TAP, console log, report), not a directory");
                };
                split(got, results, pseudo);
                continue;
            }
            String text;
            try {
                text = Lines.decode(Files.readAllBytes(in));
            } catch (IOException e) {
                throw KbootException.missing("input (unreadable: " + e.getMessage() + ")", in);
            }
            List<String> lines = Lines.split(text);
            List<String> stripped = lines.stream().map(Lines::stripConsolePrefix).toList();
            if (release == null) {
                release = release(text);
            }
            final int lineBase = base0;
            for (Incident i : CrashAttribution.watchLines(lines)) {
                incidents.add(i.at(i.elapsedMs() + lineBase));
            }
            List<Located> located = null;
            List<TestResult> got = null;
            switch (suite) {
                case KSELFTEST -> located = KselftestParser.parseLocated(text);
                case KUNIT -> located = KunitParser.parseLocated(text);
                case KTAP -> located = KtapResults.results(KtapParser.parse(text), "ktap", 2);
                case FSTESTS -> {
                    if (text.stripLeading().matches("(?s)<(?:\\?xml|testsuite|!--).*")) { // xunit, else console output
                        artifactBases.add(in.toAbsolutePath().getParent());
                        got = FstestsParser.parse(in);
                    } else {
                        located = FstestsConsoleParser.parseLocated(text); // ./check's console output, or a log holding it
                    }
                }
                case BLKTESTS -> located = BlktestsParser.parseCheckOutputLocated(text);
                case LTP -> {
                    if (text.stripLeading().startsWith("{")) {
                        got = LtpParser.parseKirkJson(text);
                    } else if (text.contains("Testcase") && text.contains("Exit Value")) {
                        got = LtpParser.parseRunltpLog(text);
                    } else if (text.contains("<<<test_start>>>")) {
                        located = LtpParser.parsePanOutputLocated(text); // ltp-pan's output on the console
                    }
                }
                default -> {
                }
            }
            if (located != null) {
                for (Located l : located) {
                    if (l.firstLine() >= 0) {
                        windows.add(new TestWindow(l.result().id(), l.firstLine() + lineBase,
                                l.result().status() == dev.kboot.harness.model.Status.MISS ? Long.MAX_VALUE : l.lastLine() + lineBase));
                    }
                }
                split(Located.results(located), results, pseudo);
            } else if (got != null) {
                split(got, results, pseudo);
            }
            kernelLogs.add(stripped);
            kernelLogBases.add(lineBase);
            base0 += lines.size() + 1;
        }
        if (results.isEmpty()) {
            results.addAll(pseudo);
        }
        // tests marked in kernel logs ("run fstests X at", "run blktests X at", "LTP: starting X")
        List<TestId> ids = results.stream().map(TestResult::id).toList();
        for (int k = 0; k < kernelLogs.size(); k++) {
            int b = kernelLogBases.get(k);
            for (TestWindow w : CrashAttribution.markerWindows(kernelLogs.get(k), ids)) {
                windows.add(new TestWindow(w.id(), w.startMs() + b, w.endMs() == Long.MAX_VALUE ? Long.MAX_VALUE : w.endMs() + b));
            }
        }
        results = dedupe(results);
        if (progress != null) {
            progress.planned(suite.id(), results.stream().map(TestResult::id).toList(), java.util.Map.of());
            progress.step("judging " + results.size() + (results.size() == 1 ? " result" : " results") + " (crashes, expunges"
                    + (base == null ? ")" : ", baseline)"));
        }
        CrashAttribution.Outcome attributed = CrashAttribution.attribute(results, windows, incidents);
        results = new ArrayList<>(attributed.tests());

        String suiteName = suite.id() + (r.profile() == null ? "" : ":" + r.profile());
        SuiteExpunges ex = expunges.forRun(suite.id(), r.profile(), release);
        List<String> unused = ex.unused(results, List.of());
        results = ex.apply(results);

        try {
            Files.createDirectories(r.resultsDir());
        } catch (IOException e) {
            throw KbootException.unavailable("cannot create results directory " + r.resultsDir() + ": " + e.getMessage());
        }
        results = attachDmesgIncidents(results, artifactBases);
        results = copyArtifacts(results, artifactBases, r.resultsDir(), suite.id());

        RunInfo info = RunInfo.started(r.kbootVersion(), r.now()).withKernel(release, null);
        RunResult run = new RunResult(info, List.of(suiteName), results, attributed.incomplete(), unused, attributed.unattributed(), false)
                .finish(r.now());
        Comparison cmp = base == null ? null : Comparison.of(base, run);
        if (progress != null) {
            progress.step("writing " + r.resultsDir());
        }
        ResultsDirectory out = new ResultsDirectory(r.resultsDir());
        out.write(run, cmp, r.baseline() == null ? null : r.baseline().toString());
        out.writeReport(run, cmp, r.baseline() == null ? null : r.baseline().toString());
        if (progress != null) {
            run.tests().forEach(progress::finished);
        }
        return new Outcome(run, cmp, Verdict.of(run, cmp));
    }

    /** @return the progress stage of reading one input: {@code reading console.log (2/3, 45.2 MiB)} */
    static String reading(Path in, int n, int of) {
        String size;
        try {
            size = Files.isDirectory(in) ? "a directory" : String.format(java.util.Locale.ROOT, "%.1f MiB", Files.size(in) / 1048576.0);
        } catch (IOException e) {
            size = "size unknown";
        }
        return "reading " + in.getFileName() + " (" + (of > 1 ? n + "/" + of + ", " : "") + size + ")";
    }

    /** Keeps real results apart from the "(output)" placeholders of inputs that held none. */
    private static void split(List<TestResult> got, List<TestResult> results, List<TestResult> pseudo) {
        boolean onlyPseudo = got.size() == 1 && got.get(0).id().name().startsWith("(");
        (onlyPseudo ? pseudo : results).addAll(got);
    }

    private static List<TestResult> dedupe(List<TestResult> results) {
        Set<TestId> seen = new HashSet<>();
        List<TestResult> out = new ArrayList<>();
        for (TestResult t : results) {
            if (seen.add(t.id())) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * The kernel release a log names ({@code Linux version 6.1.0-56-amd64}, runltp's {@code Kernel Version:},
     * fstests' {@code PLATFORM -- Linux/x86_64 host 6.5.0+}), or null.
     */
    static String release(String text) {
        Matcher m = LINUX_VERSION.matcher(text);
        if (m.find()) {
            return m.group(1);
        }
        Matcher l = LTP_KERNEL.matcher(text);
        if (l.find()) {
            return l.group(1);
        }
        Matcher f = FSTESTS_PLATFORM.matcher(text);
        return f.find() ? f.group(1) : null;
    }

    /**
     * fstests and blktests keep a test's kernel log as {@code TEST.dmesg} when they found something in it;
     * its incidents (a WARNING, a BUG) are attached to the test, whose status the suite already set.
     */
    private static List<TestResult> attachDmesgIncidents(List<TestResult> results, List<Path> bases) {
        List<TestResult> out = new ArrayList<>();
        for (TestResult t : results) {
            TestResult u = t;
            for (String a : t.artifacts()) {
                if (!a.endsWith(".dmesg")) {
                    continue;
                }
                for (Path b : bases) {
                    Path f = b.resolve(a);
                    if (Files.isRegularFile(f)) {
                        try {
                            for (Incident i : CrashAttribution.watchLines(Lines.split(Lines.decode(Files.readAllBytes(f))))) {
                                u = u.withIncident(i);
                            }
                        } catch (IOException e) {
                            // the artifact is still listed
                        }
                        break;
                    }
                }
            }
            out.add(u);
        }
        return out;
    }

    /** Copies the suite's artifact files under {@code artifacts/SUITE/} of the results directory and points the results at the copies. */
    private static List<TestResult> copyArtifacts(List<TestResult> results, List<Path> bases, Path resultsDir, String suite) {
        if (bases.isEmpty()) {
            return results;
        }
        List<TestResult> out = new ArrayList<>();
        for (TestResult t : results) {
            if (t.artifacts().isEmpty()) {
                out.add(t);
                continue;
            }
            Set<String> copied = new LinkedHashSet<>();
            for (String a : t.artifacts()) {
                for (Path b : bases) {
                    Path src = b.resolve(a);
                    if (Files.isRegularFile(src)) {
                        Path rel = Path.of("artifacts", suite).resolve(a);
                        try {
                            Files.createDirectories(resultsDir.resolve(rel).getParent());
                            Files.copy(src, resultsDir.resolve(rel), StandardCopyOption.REPLACE_EXISTING);
                            copied.add(rel.toString());
                        } catch (IOException e) {
                            // the artifact is not kept; the result still says what happened
                        }
                        break;
                    }
                }
            }
            out.add(t.withArtifacts(List.copyOf(copied)));
        }
        return out;
    }
}
