package dev.kboot.harness.model;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole run: what it ran on, every test's result in run order, and what cut it short. Counts,
 * completeness and failures are computed from the results, never stored.
 *
 * @param info       the machine and timing facts
 * @param suites     the suites the run was asked to run (with {@code :profile} where one was given), in order
 * @param tests      every test's result, in the order they ran (or were found)
 * @param incomplete why the run is incomplete, beyond what its results show (boot failure, a suite that
 *                   produced nothing, a crash no test was running at); empty for a complete run
 * @param problems   configuration errors found after the run (an expunge entry that matched no test)
 * @param incidents  kernel incidents not attributed to any test
 * @param finished   whether the run reached its end; false in the results a killed run leaves behind
 * @param sharding   which shard of a partitioned run this is ({@code --shard}), or the merge of them; null for a
 *                   run that was not sharded
 */
public record RunResult(RunInfo info, List<String> suites, List<TestResult> tests, List<String> incomplete,
                        List<String> problems, List<Incident> incidents, boolean finished, Sharding sharding) {
    /** Copies the lists. */
    public RunResult {
        Objects.requireNonNull(info, "info");
        suites = suites == null ? List.of() : List.copyOf(suites);
        tests = tests == null ? List.of() : List.copyOf(tests);
        incomplete = incomplete == null ? List.of() : List.copyOf(incomplete);
        problems = problems == null ? List.of() : List.copyOf(problems);
        incidents = incidents == null ? List.of() : List.copyOf(incidents);
    }

    /** A run that was not sharded. */
    public RunResult(RunInfo info, List<String> suites, List<TestResult> tests, List<String> incomplete,
                     List<String> problems, List<Incident> incidents, boolean finished) {
        this(info, suites, tests, incomplete, problems, incidents, finished, null);
    }

    /** @return a run that has started and has no results yet */
    public static RunResult started(RunInfo info, List<String> suites) {
        return new RunResult(info, suites, List.of(), List.of(), List.of(), List.of(), false, null);
    }

    /** @return a copy with one more (or a replaced, if its id is already there) test result */
    public RunResult with(TestResult r) {
        List<TestResult> all = new ArrayList<>(tests);
        boolean replaced = false;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).id().equals(r.id())) {
                all.set(i, r);
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            all.add(r);
        }
        return new RunResult(info, suites, all, incomplete, problems, incidents, finished, sharding);
    }

    /** @return a copy with these results in place of the current ones */
    public RunResult withTests(List<TestResult> all) {
        return new RunResult(info, suites, all, incomplete, problems, incidents, finished, sharding);
    }

    /** @return a copy with one more reason for incompleteness */
    public RunResult incompleteBecause(String reason) {
        List<String> all = new ArrayList<>(incomplete);
        all.add(reason);
        return new RunResult(info, suites, tests, all, problems, incidents, finished, sharding);
    }

    /** @return a copy with one more configuration problem */
    public RunResult withProblem(String problem) {
        List<String> all = new ArrayList<>(problems);
        all.add(problem);
        return new RunResult(info, suites, tests, incomplete, all, incidents, finished, sharding);
    }

    /** @return a copy with one more unattributed incident */
    public RunResult withIncident(Incident i) {
        List<Incident> all = new ArrayList<>(incidents);
        all.add(i);
        return new RunResult(info, suites, tests, incomplete, problems, all, finished, sharding);
    }

    /** @return a copy with other run facts */
    public RunResult withInfo(RunInfo i) {
        return new RunResult(i, suites, tests, incomplete, problems, incidents, finished, sharding);
    }

    /** @return a copy that records which shard (or merge of shards) this run is */
    public RunResult withSharding(Sharding s) {
        return new RunResult(info, suites, tests, incomplete, problems, incidents, finished, s);
    }

    /** @return a copy marked as having reached its end */
    public RunResult finish(java.time.Instant end) {
        return new RunResult(info.ended(end), suites, tests, incomplete, problems, incidents, true, sharding);
    }

    /** @return how many tests have each status (every status present, zeros included), in enum order */
    public Map<Status, Integer> counts() {
        Map<Status, Integer> m = new EnumMap<>(Status.class);
        for (Status s : Status.values()) {
            m.put(s, 0);
        }
        for (TestResult t : tests) {
            m.merge(t.status(), 1, Integer::sum);
        }
        return m;
    }

    /** @return the tests that failed (FAIL, TIMEOUT, CRASH, ERROR), in run order */
    public List<TestResult> failures() {
        return tests.stream().filter(t -> t.status().failed()).toList();
    }

    /**
     * Every reason the run is incomplete: the recorded ones, then one for each CRASH and one for the
     * MISS tests, and one if the run never finished.
     *
     * @return the reasons, empty for a complete run
     */
    public List<String> incompleteReasons() {
        List<String> all = new ArrayList<>(incomplete);
        if (!finished) {
            all.add("the run did not finish (" + tests.size() + " results written before it stopped)");
        }
        for (TestResult t : tests) {
            if (t.status() == Status.CRASH) {
                all.add("kernel crash during " + t.id() + (t.reason().isEmpty() ? "" : ": " + t.reason()));
            }
        }
        long miss = tests.stream().filter(t -> t.status() == Status.MISS).count();
        if (miss > 0) {
            all.add(miss + " test" + (miss == 1 ? "" : "s") + " never ran (MISS)");
        }
        return all;
    }

    /** @return whether the run finished, every test it meant to run ran, and the kernel never crashed */
    public boolean complete() {
        return incompleteReasons().isEmpty();
    }

    /** @return the result for {@code id}, if the run has one */
    public Optional<TestResult> find(TestId id) {
        return tests.stream().filter(t -> t.id().equals(id)).findFirst();
    }
}
