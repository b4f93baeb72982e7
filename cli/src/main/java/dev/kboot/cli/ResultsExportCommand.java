package dev.kboot.cli;

import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.report.AtomicFiles;
import dev.kboot.harness.report.KcidbJson;
import dev.kboot.harness.report.ResultsJson;
import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kboot results export --format kcidb DIR}: a run as KernelCI's KCIDB JSON. Thin: {@link KcidbJson} does the work. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a results directory in another format. kcidb: KernelCI's KCIDB report data (schema v4.5), "
                + "one checkout and build and a tests entry per test, for kcidb-submit or kci-dev."})
final class ResultsExportCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "kcidb.")
    String format;

    @Parameters(index = "0", paramLabel = "DIR", description = "A results directory (or its results.json): one run, a shard or a merge.")
    Path dir;

    @Option(names = "--origin", required = true, paramLabel = "ORIGIN", description = "Your CI system's KCIDB origin (lower-case letters, digits, _).")
    String origin;

    @Option(names = "--checkout-id", paramLabel = "ID", description = "The KCIDB checkout tested (default: ORIGIN:<--git-commit or linux-RELEASE>).")
    String checkoutId;

    @Option(names = "--build-id", paramLabel = "ID", description = "The KCIDB build tested (default: the checkout id and a hash of the kernel release and closure).")
    String buildId;

    @Option(names = "--git-commit", paramLabel = "HASH", description = "The kernel's commit (40 hex digits), for the checkout.")
    String gitCommit;

    @Option(names = "--git-url", paramLabel = "URL", description = "The kernel's repository (https:// or git://), for the checkout.")
    String gitUrl;

    @Option(names = "--base-url", paramLabel = "URL", description = "Where DIR is published: tests get log_url (the console log) and output_files (their artifacts).")
    String baseUrl;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of standard output.")
    Path output;

    @Override
    public Integer call() {
        if (!format.equals("kcidb")) {
            throw KbootException.usage("--format " + format + ": expected kcidb");
        }
        KcidbJson.Options o = new KcidbJson.Options(origin, checkoutId, buildId, gitCommit, gitUrl, baseUrl);
        RunResult run = ResultsJson.read(dir);
        String json = KcidbJson.write(run, o);
        if (output == null) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(json);
            out.flush();
        } else {
            Path parent = output.toAbsolutePath().getParent();
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + parent + ": " + e.getMessage(), e);
            }
            AtomicFiles.write(output, json.getBytes(StandardCharsets.UTF_8));
            spec.commandLine().getErr().println(Main.PREFIX + run.tests().size() + " tests written to " + output + " (KCIDB v"
                    + KcidbJson.MAJOR + "." + KcidbJson.MINOR + ")");
        }
        return ExitCode.OK.code();
    }
}
