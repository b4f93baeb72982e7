package dev.kboot.harness.run;

import dev.kboot.harness.expunge.SuiteExpunges;
import dev.kboot.harness.model.TestResult;
import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import java.util.List;
import java.util.Optional;

/**
 * A test suite as a plugin: is it installed in the guest, which tests a profile runs and how,
 * and how to judge what one produced. Runners run tests one at a time, so that each result is
 * written as it finishes, a crash names the test it happened in, and a hang is a TIMEOUT.
 */
public interface SuiteRunner {
    /** @return the suite's name, the first segment of its tests' ids */
    String suite();

    /**
     * @return why the suite cannot run in this guest (not installed, kernel lacks support), or
     *         empty when it can
     */
    Optional<String> unavailable(Guest guest, Profile profile);

    /**
     * @param guest          the guest (to list what is installed)
     * @param profile        the profile
     * @param expunges       the run's expunges for this suite (skip entries are not planned)
     * @param timeouts       the per-test timeout when the profile sets none, and the factor every
     *                       timeout is scaled by (the planned timeouts are scaled already)
     * @return the tests to run, in order, and the expunged ones (as EXPUNGED results)
     */
    Plan plan(Guest guest, Profile profile, SuiteExpunges expunges, Timeouts timeouts);

    /**
     * Judges one test from what its command did. Never throws: unparsable output is ERROR.
     *
     * @param guest  the guest (a runner may fetch result files from it)
     * @param test   the test
     * @param result what its command did (TIMED_OUT when kboot killed it)
     * @return the verdicts: usually one, with the test's id; a planned unit that holds several
     *         tests (a KUnit module, a whole fstests run) gives one per test it ran
     */
    List<TestResult> judge(Guest guest, PlannedTest test, ExecResult result);

    /**
     * What a planned unit left behind when the guest died under it (results files on the shared
     * directory); the runner's judge is not called then.
     *
     * @return the results that could be read, possibly none
     */
    default List<TestResult> salvage(Guest guest, PlannedTest test) {
        return List.of();
    }

    /**
     * @return whether {@link #judge} reads files the guest wrote to the shared directory (kboot
     *         removes the guest's symlinks there before each such judge; for the others once, when
     *         the run ends, instead of a walk of the directory after every test)
     */
    default boolean readsSharedDirectory() {
        return false;
    }

    /** @return whether the planned ids are the result ids (so they can be pre-registered as MISS) */
    default boolean plansEachTest() {
        return true;
    }

    /**
     * What a runner plans.
     *
     * @param tests    the tests to run
     * @param expunged results for the tests expunged with action skip (EXPUNGED)
     */
    record Plan(List<PlannedTest> tests, List<TestResult> expunged) {
    }
}
