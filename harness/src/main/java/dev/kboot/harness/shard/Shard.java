package dev.kboot.harness.shard;

import dev.kboot.launcher.KbootException;
import java.util.Map;

/**
 * Which part of a partitioned run this host runs: {@code index} of {@code count}, 1-based, as
 * {@code kboot test --shard I/N} takes it.
 *
 * <p>{@code --shard auto} reads it from the environment the CI engines set (docs/scale-out.md):
 * <ul>
 * <li>a Kubernetes Indexed Job ({@code completionMode: Indexed}) sets {@code JOB_COMPLETION_INDEX},
 *     0-based; the count is the Job's {@code completions}, which the pod does not see, so it is
 *     given with {@code --shard-count N};</li>
 * <li>GitLab CI's {@code parallel: N} sets {@code CI_NODE_INDEX} (1-based) and {@code CI_NODE_TOTAL}.</li>
 * </ul>
 * {@code JOB_COMPLETION_INDEX} wins when both are set (it names the pod itself).
 *
 * @param index 1 to {@code count}
 * @param count how many shards, at least 1
 */
public record Shard(int index, int count) {
    /** The largest shard count accepted (a sanity limit, not a design limit). */
    public static final int MAX_COUNT = 10_000;

    /** Checks {@code 1 <= index <= count <= MAX_COUNT}. */
    public Shard {
        if (count < 1 || count > MAX_COUNT || index < 1 || index > count) {
            throw new IllegalArgumentException("shard " + index + "/" + count + " is not in 1/1.." + MAX_COUNT + "/" + MAX_COUNT);
        }
    }

    /**
     * Resolves the {@code --shard} option.
     *
     * @param value      {@code I/N} or {@code auto}
     * @param shardCount {@code --shard-count}, or null
     * @param env        the environment ({@code System.getenv()})
     * @return the shard
     * @throws KbootException 64 naming the option or the variable and what was expected
     */
    public static Shard resolve(String value, Integer shardCount, Map<String, String> env) {
        if (value == null) {
            throw KbootException.usage("--shard: expected I/N (e.g. 2/3) or auto");
        }
        if (!value.equals("auto")) {
            if (shardCount != null) {
                throw KbootException.usage("--shard-count goes with --shard auto (a Kubernetes Indexed Job), not with --shard " + value);
            }
            return parse(value);
        }
        String k8s = env.get("JOB_COMPLETION_INDEX");
        if (k8s != null) {
            if (shardCount == null) {
                throw KbootException.usage("--shard auto: JOB_COMPLETION_INDEX=" + k8s
                        + " is set (a Kubernetes Indexed Job) but the shard count is not: add --shard-count N (the Job's completions)");
            }
            int i = integer("JOB_COMPLETION_INDEX", k8s, "the pod's 0-based completion index");
            return checked(i + 1, shardCount, "JOB_COMPLETION_INDEX=" + k8s + " with --shard-count " + shardCount);
        }
        String gi = env.get("CI_NODE_INDEX");
        String gt = env.get("CI_NODE_TOTAL");
        if (gi != null || gt != null) {
            if (gi == null || gt == null) {
                throw KbootException.usage("--shard auto: GitLab sets CI_NODE_INDEX and CI_NODE_TOTAL together (parallel: N); found only "
                        + (gi == null ? "CI_NODE_TOTAL" : "CI_NODE_INDEX"));
            }
            int i = integer("CI_NODE_INDEX", gi, "GitLab's 1-based job index");
            int n = integer("CI_NODE_TOTAL", gt, "GitLab's parallel job count");
            if (shardCount != null && shardCount != n) {
                throw KbootException.usage("--shard-count " + shardCount + " disagrees with CI_NODE_TOTAL=" + gt);
            }
            return checked(i, n, "CI_NODE_INDEX=" + gi + ", CI_NODE_TOTAL=" + gt);
        }
        throw KbootException.usage("--shard auto: none of JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or CI_NODE_INDEX/CI_NODE_TOTAL "
                + "(GitLab parallel) is set; give --shard I/N");
    }

    /**
     * @param text {@code I/N}, e.g. {@code 2/3}
     * @return the shard
     * @throws KbootException 64 when the text is not I/N with {@code 1 <= I <= N}
     */
    public static Shard parse(String text) {
        String[] p = text.trim().split("/", -1);
        if (p.length != 2 || !p[0].matches("\\d{1,9}") || !p[1].matches("\\d{1,9}")) {
            throw KbootException.usage("--shard " + text + ": expected I/N with 1 <= I <= N (e.g. 2/3), or auto");
        }
        return checked(Integer.parseInt(p[0]), Integer.parseInt(p[1]), "--shard " + text);
    }

    private static Shard checked(int index, int count, String from) {
        if (count < 1 || count > MAX_COUNT || index < 1 || index > count) {
            throw KbootException.usage(from + ": expected a shard I/N with 1 <= I <= N <= " + MAX_COUNT + ", found " + index + "/" + count);
        }
        return new Shard(index, count);
    }

    private static int integer(String var, String value, String what) {
        if (!value.trim().matches("\\d{1,9}")) {
            throw KbootException.usage("--shard auto: " + var + "=" + value + ": expected " + what + ", a whole number");
        }
        return Integer.parseInt(value.trim());
    }

    /** @return {@code I/N} */
    @Override
    public String toString() {
        return index + "/" + count;
    }
}
