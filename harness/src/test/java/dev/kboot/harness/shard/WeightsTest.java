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
        assertEquals(30_000, w.test(TestId.parse("kselftest/timers/nanosleep")));
        assertEquals(1, w.test(TestId.parse("kselftest/size/get_size")), "at least 1 ms");
        assertEquals(10_000, w.test(TestId.parse("kselftest/exec/execveat")), "MISS there: its suite's median");
        assertEquals(10_000, w.test(TestId.parse("kselftest/new/test")), "new: its suite's median");
        assertEquals(10_000, w.wholeSuite("fstests", 1));
        assertEquals(5_000, w.wholeSuite("fstests", 2), "two sections share the suite's time");
        assertEquals(6_000, w.wholeSuite("ltp", 1), "a suite the earlier run did not time weighs the median of all its timed tests");
        assertEquals(6_000, w.test(TestId.parse("command/x")));
    }

    @Test
    void withoutAnEarlierRunEveryUnitWeighsOne() {
        assertEquals(1, Weights.equal().wholeSuite("fstests", 3));
        assertEquals(1, Weights.equal().test(TestId.parse("kselftest/a/b")));
    }
}
