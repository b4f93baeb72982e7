package dev.kboot.harness.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --shard I/N|auto}: the option, and the environment of a Kubernetes Indexed Job and of GitLab's parallel jobs. */
class ShardTest {
    @Test
    void iOverN() {
        assertEquals(new Shard(2, 3), Shard.resolve("2/3", null, Map.of()));
        assertEquals(new Shard(1, 1), Shard.parse("1/1"));
        assertEquals("16/16", Shard.parse("16/16").toString());
    }

    @Test
    void aKubernetesIndexedJobGivesTheZeroBasedIndexAndTheCountComesFromTheOption() {
        assertEquals(new Shard(1, 4), Shard.resolve("auto", 4, Map.of("JOB_COMPLETION_INDEX", "0")));
        assertEquals(new Shard(4, 4), Shard.resolve("auto", 4, Map.of("JOB_COMPLETION_INDEX", "3")));
        // the pod's own index wins over a GitLab runner's variables around it
        assertEquals(new Shard(2, 4), Shard.resolve("auto", 4, Map.of("JOB_COMPLETION_INDEX", "1", "CI_NODE_INDEX", "3", "CI_NODE_TOTAL", "5")));
    }

    @Test
    void gitLabParallelGivesTheOneBasedIndexAndTheTotal() {
        assertEquals(new Shard(3, 5), Shard.resolve("auto", null, Map.of("CI_NODE_INDEX", "3", "CI_NODE_TOTAL", "5")));
        assertEquals(new Shard(3, 5), Shard.resolve("auto", 5, Map.of("CI_NODE_INDEX", "3", "CI_NODE_TOTAL", "5")));
    }

    @Test
    void badValuesAreUsageErrorsNamingWhatWasExpected() {
        usage(() -> Shard.resolve("0/3", null, Map.of()), "--shard 0/3");
        usage(() -> Shard.resolve("4/3", null, Map.of()), "--shard 4/3");
        usage(() -> Shard.resolve("1/0", null, Map.of()), "--shard 1/0");
        usage(() -> Shard.resolve("2", null, Map.of()), "expected I/N");
        usage(() -> Shard.resolve("a/b", null, Map.of()), "expected I/N");
        usage(() -> Shard.resolve("-1/3", null, Map.of()), "expected I/N");
        usage(() -> Shard.resolve("1/99999999999", null, Map.of()), "expected I/N");
        usage(() -> Shard.resolve("2/3", 3, Map.of()), "--shard-count goes with --shard auto");
        usage(() -> Shard.resolve("auto", null, Map.of()), "none of JOB_COMPLETION_INDEX");
        usage(() -> Shard.resolve("auto", null, Map.of("JOB_COMPLETION_INDEX", "2")), "add --shard-count N");
        usage(() -> Shard.resolve("auto", 2, Map.of("JOB_COMPLETION_INDEX", "2")), "JOB_COMPLETION_INDEX=2 with --shard-count 2");
        usage(() -> Shard.resolve("auto", 3, Map.of("JOB_COMPLETION_INDEX", "x")), "JOB_COMPLETION_INDEX=x: expected the pod's 0-based completion index");
        usage(() -> Shard.resolve("auto", null, Map.of("CI_NODE_INDEX", "2")), "found only CI_NODE_INDEX");
        usage(() -> Shard.resolve("auto", null, Map.of("CI_NODE_INDEX", "6", "CI_NODE_TOTAL", "5")), "CI_NODE_INDEX=6, CI_NODE_TOTAL=5");
        usage(() -> Shard.resolve("auto", 4, Map.of("CI_NODE_INDEX", "2", "CI_NODE_TOTAL", "5")), "disagrees with CI_NODE_TOTAL=5");
    }

    private static void usage(org.junit.jupiter.api.function.Executable e, String contains) {
        KbootException x = assertThrows(KbootException.class, e);
        assertEquals(ExitCode.USAGE, x.exitCode());
        assertTrue(x.getMessage().contains(contains), x.getMessage());
    }
}
