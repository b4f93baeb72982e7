package dev.kboot.cli;

import dev.kboot.harness.Importer;
import dev.kboot.harness.baseline.Change;
import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.report.ResultsJson;
import dev.kboot.harness.report.SummaryText;
import dev.kboot.launcher.ExitCode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kboot results show|compare|import}: read, compare and import test results. Thin: the
 * harness ({@link ResultsJson}, {@link Comparison}, {@link Verdict}, {@link Importer}) does the work.
 */
@Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show, compare, import, merge and export kernel test results (results.json, junit.xml, summary.txt, results.html, KCIDB).",
        subcommands = {ResultsCommand.Show.class, ResultsCommand.Compare.class, ResultsCommand.Import.class, ResultsHtmlCommand.class,
                ResultsMergeCommand.class, ResultsExportCommand.class})
final class ResultsCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println(Main.PREFIX + "missing subcommand: show, compare, import, html, merge or export");
        err.println(Main.PREFIX + "see 'kboot results --help'");
        return ExitCode.USAGE.code();
    }

    private static String paint(boolean colour, Status s, String text) {
        return Terminal.paint(colour, Terminal.sgr(s), text);
    }

    /** {@code kboot results show DIR}. */
    @Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Print a results directory (or results.json) as a table: status, test, time, reason; then the verdict.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        CommonOptions common;

        @Parameters(index = "0", paramLabel = "DIR", description = "A results directory or its results.json.")
        Path dir;

        @Option(names = "--no-color", description = "Never colour the statuses (the same as --color=never).")
        boolean noColor;

        @Option(names = "--failures", description = "List only tests that did not pass (failures, crashes, misses, skips).")
        boolean failuresOnly;

        @Option(names = "--json", description = "Print the table's data as JSON (tests, counts, verdict) for scripts.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            RunResult run = ResultsJson.read(dir);
            if (json) {
                out.print(ResultsJsonOutput.show(run, failuresOnly));
                out.flush();
                return ExitCode.OK.code();
            }
            boolean c = !noColor && common.colour(Terminal.STDOUT);
            int width = Math.max(4, run.tests().stream().mapToInt(t -> t.id().toString().length()).max().orElse(4));
            // One string, printed once, padded by hand: a 1,000-test table costs a format parse per
            // cell and a flush per line otherwise (bench/cli-bench.sh).
            StringBuilder table = new StringBuilder(80 * (run.tests().size() + 1));
            row(table, "STATUS", width, "TEST", "TIME", "REASON");
            for (TestResult t : run.tests()) {
                if (failuresOnly && t.status().passed()) {
                    continue;
                }
                String time = t.durationMs() == null ? "-" : seconds(t.durationMs());
                String reason = t.reason().replace('\n', ' ');
                if (reason.length() > 120) {
                    reason = reason.substring(0, 117) + "...";
                }
                if (!t.incidents().isEmpty() && !reason.contains(t.incidents().get(0).title())) {
                    reason = (reason.isEmpty() ? "" : reason + "; ") + t.incidents().get(0).title() + (t.incidents().get(0).expected() ? " (expected)" : "");
                }
                row(table, paint(c, t.status(), pad(t.status().name(), 8)), width, t.id().toString(), time, reason);
            }
            out.print(table);
            out.print(SummaryText.render(run, null));
            out.flush();
            return ExitCode.OK.code();
        }
    }

    /** Appends {@code STATUS  TEST  TIME  REASON} as {@code "%-8s  %-Ws  %9s  %s"} would, without trailing blanks. */
    private static void row(StringBuilder b, String status, int width, String test, String time, String reason) {
        int start = b.length();
        b.append(status.length() >= 8 ? status : pad(status, 8)).append("  ").append(pad(test, width)).append("  ");
        b.append(" ".repeat(Math.max(0, 9 - time.length()))).append(time).append("  ").append(reason);
        int end = b.length();
        while (end > start && b.charAt(end - 1) == ' ') {
            end--;
        }
        b.setLength(end);
        b.append(System.lineSeparator());
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /** @return {@code ms} as seconds with three decimals and an {@code s}, as {@code "%.3fs"} gives for whole ms */
    static String seconds(long ms) {
        String f = Long.toString(Math.abs(ms) % 1000);
        return (ms < 0 ? "-" : "") + Math.abs(ms) / 1000 + "." + "000".substring(f.length()) + f + "s";
    }

    /** {@code kboot results compare BASE HEAD}. */
    @Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Classify every test of HEAD against BASE: regression, fixed, persistent-failure, unstable, new, "
                    + "missing, coverage-loss or unchanged; and every kernel crash or warning by its title: regression (new in HEAD), "
                    + "persistent-failure (in both) or fixed.",
                    "Exits like 'kboot test': 0 no regression, 1 regression, 2 HEAD is incomplete."})
    static final class Compare implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        CommonOptions common;

        @Parameters(index = "0", paramLabel = "BASE", description = "The baseline results directory or results.json.")
        Path base;

        @Parameters(index = "1", paramLabel = "HEAD", description = "The results directory or results.json to judge.")
        Path head;

        @Option(names = "--all", description = "List unchanged tests too.")
        boolean all;

        @Option(names = "--json", description = "Print the classification as JSON (tests, counts, verdict) for scripts.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            RunResult b = ResultsJson.read(base);
            RunResult h = ResultsJson.read(head);
            Comparison cmp = Comparison.of(b, h);
            if (json) {
                Verdict v = Verdict.of(h, cmp);
                out.print(ResultsJsonOutput.compare(cmp, v, all));
                out.flush();
                return v.exitCode().code();
            }
            int width = Math.max(4, cmp.tests().stream().mapToInt(e -> e.id().toString().length()).max().orElse(4));
            for (Comparison.Entry e : cmp.tests()) {
                if (!all && e.change() == Change.UNCHANGED) {
                    continue;
                }
                out.println(String.format(Locale.ROOT, "%-18s  %-" + width + "s  %s -> %s", e.change().key(), e.id(),
                        e.base() == null ? "(absent)" : e.base().key(), e.head() == null ? "(absent)" : e.head().key()));
            }
            for (Comparison.Crash x : cmp.crashes()) {
                out.println(String.format(Locale.ROOT, "%-18s  %s: %s (%s)", x.change().key(), x.fatal() ? "crash" : "warning", x.title(),
                        String.join(", ", x.where())));
            }
            List<String> parts = cmp.counts().entrySet().stream().filter(x -> x.getValue() > 0)
                    .map(x -> x.getValue() + " " + x.getKey().key()).toList();
            out.println(cmp.tests().size() + " tests: " + String.join(", ", parts)
                    + (cmp.crashes().isEmpty() ? "" : "; " + cmp.crashes().size() + " kernel incident titles"));
            Verdict v = Verdict.of(h, cmp);
            out.println("verdict: " + v.headline() + " (exit " + v.exitCode().code() + ")");
            out.flush();
            return v.exitCode().code();
        }
    }

    /** {@code kboot results import --suite SUITE PATH... --results DIR}. */
    @Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Judge output a suite produced elsewhere (a TAP stream, a console log or dmesg, an fstests or blktests "
                    + "results directory, fstests' or blktests' ./check output, a kirk JSON report, a runltp log, ltp-pan output) "
                    + "with kboot's parsers, crash detection, expunges and baseline, and write results.json, junit.xml and summary.txt.",
                    "Exits like 'kboot test': 0 no regression (without --baseline: no failure), 1 regression or failure, 2 incomplete."})
    static final class Import implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        CommonOptions common;

        @Option(names = "--suite", required = true, paramLabel = "SUITE",
                description = "kselftest, kunit, ktap, fstests, blktests or ltp.")
        String suite;

        @Option(names = "--profile", paramLabel = "P", description = "The suite profile the run used (matched by expunge entries).")
        String profile;

        @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files or directories the suite produced.")
        List<Path> inputs;

        @Option(names = "--results", required = true, paramLabel = "DIR", description = "Where to write results.json, junit.xml and summary.txt.")
        Path results;

        @Option(names = "--expunges", paramLabel = "FILE", description = "Expunge YAML: known failures (xfail) and tests not run (skip).")
        Path expunges;

        @Option(names = "--baseline", paramLabel = "RESULTS_JSON", description = "A baseline results.json (or its directory) to classify regressions against.")
        Path baseline;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Importer.Outcome o;
            try (ProgressLine progress = ProgressLine.forStderr(err, common, false).withoutEta()) {
                o = Importer.run(new Importer.Request(suite, profile, inputs, results, expunges, baseline,
                        Main.version(), Instant.now()), common.quiet ? null : progress);
            }
            if (!common.quiet) {
                out.print(SummaryText.render(o.run(), o.comparison()));
            }
            out.flush();
            err.println(Main.PREFIX + "results written to " + results);
            return o.verdict().exitCode().code();
        }
    }
}
