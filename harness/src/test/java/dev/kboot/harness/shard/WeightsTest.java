package dev.kboot.harness.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --balance}: units weighed by an earlier run's durations. */
class WeightsTest {
    static TestResult t(String id, Long ms, Status s) {
        return TestResult.of(TestId.parse(id), s, "", null).withDuration(ms);
    }

    final RunResult earlier = new RunResult(RunInfo.started("0.1.0", Instant.EPOCH), List.of("kselftest", "fstests"), List.of(
            t("kselftest/timers/nanosleep", 30_000L, Status.PASS),
            t("kselftest/timers/posix_timers", 10_000L, Status.PASS),
            t("kselftest/size/get_size", 0L, Status.PASS),
            t("kselftest/exec/execveat", null, Status.MISS),
            t("fstests/global/generic/001", 4_000L, Status.PASS),
            t("fstests/global/generic/002", 6_000L, Status.FAIL)), List.of(), List.of(), List.of(), true);

    @Test
    void timedTestsWeighTheirDurationOthersTheirSuitesMedianAWholeSuiteItsSum() {
        Weights w = Weights.of(earlier, "earlier.json");
        assertEquals(List.of(new Partition.Unit("kselftest/timers/nanosleep", 30_000), new Partition.Unit("kselftest/size/get_size", 1),
                        new Partition.Unit("kselftest/exec/execveat", 10_000), new Partition.Unit("kselftest/new/test", 10_000)),
                w.units(List.of(TestId.parse("kselftest/timers/nanosleep"), TestId.parse("kselftest/size/get_size"),
                        TestId.parse("kselftest/exec/execveat"), TestId.parse("kselftest/new/test")), false));
        assertEquals(List.of(new Partition.Unit("fstests/(run)", 10_000)), w.units(List.of(TestId.of("fstests", "(run)")), true));
        assertEquals(List.of(new Partition.Unit("ltp/(run)", 6_000)), w.units(List.of(TestId.of("ltp", "(run)")), true),
                "a suite the earlier run did not have weighs the median of all its timed tests");
    }

    @Test
    void withoutAnEarlierRunEveryUnitWeighsOne() {
        assertEquals(List.of(new Partition.Unit("fstests/(run)", 1), new Partition.Unit("kselftest/a/b", 1)),
                Weights.equal().units(List.of(TestId.of("fstests", "(run)"), TestId.parse("kselftest/a/b")), false));
    }
}
