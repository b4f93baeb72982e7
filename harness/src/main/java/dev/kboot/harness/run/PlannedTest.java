package dev.kboot.harness.run;

import dev.kboot.harness.model.TestId;
import java.time.Duration;

/**
 * One test a runner will run in the guest.
 *
 * @param id      the test's id ({@code kselftest/timers/nanosleep})
 * @param command the guest command that runs it (for /bin/sh -c)
 * @param timeout how long it may run before kboot kills it in the guest (TIMEOUT)
 */
public record PlannedTest(TestId id, String command, Duration timeout) {
}
