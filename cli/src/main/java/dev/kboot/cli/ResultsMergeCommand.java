package dev.kboot.cli;

import dev.kboot.harness.report.SummaryText;
import dev.kboot.harness.shard.Merge;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kboot results merge DIR... --results OUT}: the shards of one partitioned run as one run. Thin: {@link Merge} does the work. */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Merge the results of the shards of one run ('kboot test --shard I/N' on N hosts) into one results directory, "
                + "equal to the same run on one host: every test's status, junit.xml, the baseline comparison and the verdict.",
                "Shards of different partitions, kernels, closures or suites are refused (exit 65). A missing shard, or one that "
                        + "stopped early, makes the run incomplete: its tests are MISS (exit 2).",
                "Exits like 'kboot test': 0 no regression (without --baseline: no failure), 1 regression or failure, 2 incomplete."})
final class ResultsMergeCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "DIR", arity = "1..*", description = "The shards' results directories (or results.json files), in any order.")
    List<Path> shards;

    @Option(names = "--results", required = true, paramLabel = "OUT", description = "Where the merged results.json, junit.xml and summary.txt go.")
    Path results;

    @Option(names = "--baseline", paramLabel = "RESULTS_JSON", description = "Compare the merged run with this earlier run (as 'kboot test --baseline').")
    Path baseline;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Merge.Outcome o = Merge.run(new Merge.Request(shards, results, baseline));
        if (!common.quiet) {
            out.print(SummaryText.render(o.run(), o.comparison()));
        }
        out.flush();
        err.println(Main.PREFIX + "merged " + shards.size() + " of " + o.run().sharding().count() + " shards into " + results);
        err.flush();
        return o.verdict().exitCode().code();
    }
}
