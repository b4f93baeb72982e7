package dev.kboot.cli;

import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.report.AtomicFiles;
import dev.kboot.harness.report.HtmlReport;
import dev.kboot.harness.report.ResultsDirectory;
import dev.kboot.harness.report.ResultsJson;
import dev.kboot.launcher.ExitCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kboot results html DIR}: the run as one self-contained page ({@link HtmlReport}). */
@Command(name = "html", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a results directory (or results.json) as results.html: one self-contained page (no network) with the run's "
                + "facts, counts and verdict, the boot's phase timeline, the baseline comparison with regressions first, and a table of "
                + "every test that sorts, filters and opens each test's excerpt and incidents.",
                "kboot test and results import write it beside results.json when a run ends."})
final class ResultsHtmlCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "DIR", description = "A results directory or its results.json.")
    Path dir;

    @Option(names = "--baseline", paramLabel = "RESULTS_JSON",
            description = "Compare with this run (default: the comparison the results hold, when the run had a baseline).")
    Path baseline;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to write the page (default: results.html beside results.json).")
    Path output;

    @Override
    public Integer call() {
        RunResult run = ResultsJson.read(dir);
        Comparison cmp = null;
        String baseName = null;
        if (baseline != null) {
            cmp = Comparison.of(ResultsJson.read(baseline), run);
            baseName = baseline.toString();
        } else {
            Optional<Map.Entry<Comparison, String>> stored = ResultsJson.readComparison(dir);
            if (stored.isPresent()) {
                cmp = stored.get().getKey();
                baseName = stored.get().getValue().isEmpty() ? null : stored.get().getValue();
            }
        }
        Path out = output != null ? output
                : (Files.isDirectory(dir) ? dir : dir.toAbsolutePath().getParent()).resolve(ResultsDirectory.RESULTS_HTML);
        AtomicFiles.write(out, HtmlReport.render(run, cmp, baseName).getBytes(StandardCharsets.UTF_8));
        spec.commandLine().getErr().println(Main.PREFIX + "report written to " + out);
        return ExitCode.OK.code();
    }
}
