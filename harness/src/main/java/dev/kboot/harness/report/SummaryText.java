package dev.kboot.harness.report;

import dev.kboot.harness.baseline.Change;
import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.baseline.Verdict;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import java.util.ArrayList;
import java.util.List;

/** The short text summary (summary.txt): what ran on what, the counts, the verdict and why. */
public final class SummaryText {
    private SummaryText() {
    }

    /**
     * @param run        the run
     * @param comparison the run against its baseline, or null
     * @return the summary, lines ending with newlines
     */
    public static String render(RunResult run, Comparison comparison) {
        StringBuilder b = new StringBuilder();
        RunInfo i = run.info();
        b.append("kboot ").append(i.kbootVersion() == null ? "" : i.kbootVersion()).append(" results");
        if (i.kernelRelease() != null) {
            b.append(": Linux ").append(i.kernelRelease());
        }
        if (i.bootspecLabel() != null) {
            b.append(" (").append(i.bootspecLabel()).append(")");
        }
        if (i.accelerator() != null) {
            b.append(" on ").append(i.accelerator());
        }
        b.append('\n');
        if (!run.suites().isEmpty()) {
            b.append("suites: ").append(String.join(", ", run.suites())).append('\n');
        }
        if (run.sharding() != null) {
            b.append(shard(run.sharding())).append('\n');
        }
        b.append(run.tests().size()).append(" tests: ").append(counts(run)).append('\n');
        if (comparison != null) {
            List<String> parts = new ArrayList<>();
            comparison.counts().forEach((c, n) -> {
                if (n > 0 && c != Change.UNCHANGED) {
                    parts.add(n + " " + c.key());
                }
            });
            b.append("against the baseline: ").append(parts.isEmpty() ? "no change" : String.join(", ", parts)).append('\n');
            List<String> crashes = new ArrayList<>();
            for (Change c : List.of(Change.REGRESSION, Change.PERSISTENT_FAILURE, Change.FIXED)) {
                int n = comparison.crashesWith(c).size();
                if (n > 0) {
                    crashes.add(n + " " + (c == Change.REGRESSION ? "new" : c.key()));
                }
            }
            if (!crashes.isEmpty()) {
                b.append("kernel incidents against the baseline: ").append(String.join(", ", crashes)).append('\n');
            }
        }
        Verdict v = Verdict.of(run, comparison);
        b.append("verdict: ").append(v.headline()).append(" (exit ").append(v.exitCode().code()).append(")\n");
        for (String d : v.details()) {
            b.append("  ").append(d).append('\n');
        }
        for (TestResult t : run.tests()) {
            if (!t.incidents().isEmpty() && !t.status().failed()) {
                t.incidents().forEach(x -> b.append(x.expected() ? "  expected during " : "  warning during ").append(t.id()).append(": ")
                        .append(x.headline()).append('\n'));
            }
        }
        run.incidents().forEach(x -> b.append("  console (no test running): ").append(x.headline()).append('\n'));
        return b.toString();
    }

    /** @return {@code shard 2/3 of partition sha256:0123456789ab} or {@code merged from 2 of 3 shards (missing: 2) ...} */
    static String shard(dev.kboot.harness.model.Sharding s) {
        String fp = s.fingerprint() == null ? "not planned" : "partition " + s.fingerprint().substring(0, Math.min(19, s.fingerprint().length()));
        if (!s.merged()) {
            return "shard " + s.index() + "/" + s.count() + " of " + fp;
        }
        List<String> missing = s.parts().stream().filter(p -> p.source() == null).map(p -> Integer.toString(p.index())).toList();
        return "merged from " + (s.count() - missing.size()) + " of " + s.count() + " shards"
                + (missing.isEmpty() ? "" : " (missing: " + String.join(", ", missing) + ")") + ", " + fp;
    }

    /** @return {@code 40 pass, 2 fail, 3 skip} with only the statuses present */
    public static String counts(RunResult run) {
        List<String> parts = new ArrayList<>();
        run.counts().forEach((s, n) -> {
            if (n > 0) {
                parts.add(n + " " + s.key());
            }
        });
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    /** @return whether the status is shown among the failures */
    static boolean failed(Status s) {
        return s.failed();
    }
}
