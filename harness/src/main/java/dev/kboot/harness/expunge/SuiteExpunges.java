package dev.kboot.harness.expunge;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The expunge entries that apply to one suite run (suite, profile, kernel release), and what they do:
 * the suite's skip arguments before the run ({@link #skipPlan}), XFAIL/XPASS/EXPUNGED after it
 * ({@link #apply}), and the entries that matched nothing ({@link #unused}).
 */
public final class SuiteExpunges {
    private final String suite;
    private final List<ExpungeEntry> entries;

    SuiteExpunges(String suite, List<ExpungeEntry> entries) {
        this.suite = suite;
        this.entries = List.copyOf(entries);
    }

    /** @return the entries that apply, in file order */
    public List<ExpungeEntry> entries() {
        return entries;
    }

    /** @return the first applicable entry matching the test, if any */
    public Optional<ExpungeEntry> match(TestId id) {
        return entries.stream().filter(e -> e.matches(id)).findFirst();
    }

    /**
     * Applies the entries to a suite's results: a test matched by a skip entry becomes EXPUNGED (if it
     * ran anyway, what it did is kept in the reason); a failed test (FAIL, TIMEOUT, ERROR) matched by an
     * xfail entry becomes XFAIL and a passed one XPASS ("unexpected pass"); CRASH, MISS and SKIP stay.
     * A skip entry's plain ids (not globs) that have no result are added as EXPUNGED results.
     *
     * @param results the suite's results
     * @return the results with the entries applied, in the same order, EXPUNGED additions last
     */
    public List<TestResult> apply(List<TestResult> results) {
        List<TestResult> out = new ArrayList<>();
        for (TestResult r : results) {
            Optional<ExpungeEntry> e = match(r.id());
            if (e.isEmpty()) {
                out.add(r);
                continue;
            }
            ExpungeEntry x = e.get();
            if (x.action() == Action.SKIP) {
                boolean ran = r.status() != Status.MISS && r.status() != Status.EXPUNGED;
                out.add(r.withStatus(Status.EXPUNGED, "expunged: " + x.because() + (ran ? " (it ran anyway: " + r.status().key() + ")" : "")));
            } else if (r.status().failed() && r.status() != Status.CRASH) {
                out.add(r.withStatus(Status.XFAIL, "expected failure: " + x.because() + (r.reason().isEmpty() ? "" : "; " + r.reason())));
            } else if (r.status() == Status.PASS) {
                out.add(r.withStatus(Status.XPASS, "unexpected pass: " + x.describe() + " expects it to fail: " + x.because()));
            } else {
                out.add(r);
            }
        }
        Set<TestId> have = results.stream().map(TestResult::id).collect(Collectors.toSet());
        // fstests ids carry the section (fstests/SECTION/generic/475): expunged tests take the run's section
        String section = suite.equals("fstests") ? results.stream().filter(r -> r.id().segments().size() >= 3)
                .map(r -> r.id().segments().get(1)).findFirst().orElse(null) : null;
        for (TestId id : plainSkipIds()) {
            if (have.stream().noneMatch(h -> ExpungeEntry.matches(id.local(), h))) {
                ExpungeEntry x = match(id).orElseThrow();
                TestId reported = section == null ? id : TestId.of(suite, section, id.local());
                out.add(TestResult.of(reported, Status.EXPUNGED, "", "expunged: " + x.because()));
            }
        }
        return out;
    }

    /** The skip entries' plain (non-glob) ids, as ids of this suite. */
    private List<TestId> plainSkipIds() {
        Set<TestId> out = new LinkedHashSet<>();
        for (ExpungeEntry e : entries) {
            if (e.action() != Action.SKIP) {
                continue;
            }
            for (String t : e.tests()) {
                if (!ExpungeEntry.isGlob(t)) {
                    out.add(toId(t));
                }
            }
        }
        return List.copyOf(out);
    }

    private TestId toId(String t) {
        String norm = t.strip().replace(':', '/');
        if (norm.startsWith(suite + "/")) {
            norm = norm.substring(suite.length() + 1);
        }
        List<String> segs = new ArrayList<>();
        segs.add(suite);
        for (String s : norm.split("/")) {
            if (!s.isBlank()) {
                segs.add(s);
            }
        }
        return new TestId(segs);
    }

    /**
     * The applicable entries that matched no test of the run. An entry matches when one of its patterns
     * matches a result's id or a test the suite is known to have; a skip entry made only of plain ids
     * counts as matched when {@code known} is empty (the tests did not run, so only the suite's list of
     * tests could tell a typo).
     *
     * @param results the suite's results (before or after {@link #apply})
     * @param known   every test the suite has (kselftest's {@code run_kselftest.sh -l}), or empty if unknown
     * @return one message per unused entry: {@code expunges[3] (kselftest: timers/nosuch) matched no test}
     */
    public List<String> unused(List<TestResult> results, Collection<TestId> known) {
        List<String> out = new ArrayList<>();
        for (ExpungeEntry e : entries) {
            boolean used = results.stream().anyMatch(r -> e.matches(r.id())) || known.stream().anyMatch(e::matches);
            if (!used && known.isEmpty() && e.action() == Action.SKIP && e.tests().stream().noneMatch(ExpungeEntry::isGlob)) {
                used = true;
            }
            if (!used) {
                out.add(e.describe() + " matched no test of this run");
            }
        }
        return out;
    }

    /**
     * What to pass to the suite so it does not run the skip entries' tests:
     * <ul>
     * <li>kselftest: {@code run_kselftest.sh} of linux 6.1 has no skip option (only {@code -c COLLECTION},
     *     {@code -t COLLECTION:TEST} and {@code -l}), so the plan lists every test to run as
     *     {@code -t COLL:TEST}: the {@code available} tests ({@code run_kselftest.sh -l} lines) of the
     *     requested collections minus the expunged ones; with nothing expunged it is {@code -c COLL ...};</li>
     * <li>fstests: {@code ./check -E FILE}, the file listing one expunged test per line
     *     ({@code generic/475 # reason}); globs are expanded against {@code available} when given;</li>
     * <li>blktests: {@code ./check -x TEST} per expunged test ({@code block/001});</li>
     * <li>ltp (kirk): {@code --skip-tests REGEX}, an anchored alternation of the test names;</li>
     * <li>kunit, command, ktap: no option; the runner must not run them (command) or cannot (kunit).</li>
     * </ul>
     *
     * @param available   the suite's tests as the suite names them ({@code timers:nanosleep}, {@code generic/001}),
     *                    or empty when unknown
     * @param collections the kselftest collections asked for (empty: all of {@code available}); ignored by other suites
     * @return the plan
     */
    public SkipPlan skipPlan(List<String> available, List<String> collections) {
        List<String> patterns = entries.stream().filter(e -> e.action() == Action.SKIP).flatMap(e -> e.tests().stream()).toList();
        List<TestId> expunged = new ArrayList<>();
        switch (suite) {
            case "kselftest" -> {
                List<String> args = new ArrayList<>();
                List<String> run = new ArrayList<>();
                for (String a : available) {
                    String line = a.strip();
                    int colon = line.indexOf(':');
                    if (colon <= 0) {
                        continue;
                    }
                    String coll = line.substring(0, colon);
                    if (!collections.isEmpty() && !collections.contains(coll)) {
                        continue;
                    }
                    TestId id = TestId.of(suite, coll, line.substring(colon + 1));
                    if (patterns.stream().anyMatch(p -> ExpungeEntry.matches(p, id))) {
                        expunged.add(id);
                    } else {
                        run.add(line);
                    }
                }
                if (available.isEmpty()) {
                    collections.forEach(c -> {
                        args.add("-c");
                        args.add(c);
                    });
                    return new SkipPlan(suite, args, null, plainSkipIds(), patterns.isEmpty() ? ""
                            : "run_kselftest.sh has no skip option: pass the output of 'run_kselftest.sh -l' as available to skip tests");
                }
                if (expunged.isEmpty() && !collections.isEmpty()) {
                    collections.forEach(c -> {
                        args.add("-c");
                        args.add(c);
                    });
                } else {
                    run.forEach(t -> {
                        args.add("-t");
                        args.add(t);
                    });
                }
                return new SkipPlan(suite, args, null, expunged, "");
            }
            case "fstests" -> {
                Set<String> names = new LinkedHashSet<>();
                StringBuilder file = new StringBuilder();
                for (ExpungeEntry e : entries) {
                    if (e.action() != Action.SKIP) {
                        continue;
                    }
                    for (String t : e.tests()) {
                        List<String> expanded = ExpungeEntry.isGlob(t)
                                ? available.stream().filter(a -> ExpungeEntry.matches(t, TestId.of(suite, a.split("/")))).toList()
                                : List.of(t.strip());
                        for (String n : expanded) {
                            if (names.add(n)) {
                                file.append(n).append(" # ").append(e.because().replace('\n', ' ')).append('\n');
                                expunged.add(TestId.of(suite, n.split("/")));
                            }
                        }
                    }
                }
                boolean unexpanded = available.isEmpty() && patterns.stream().anyMatch(ExpungeEntry::isGlob);
                return new SkipPlan(suite, names.isEmpty() ? List.of() : List.of("-E", SkipPlan.EXCLUDE_FILE_PLACEHOLDER),
                        names.isEmpty() ? null : file.toString(), expunged,
                        unexpanded ? "globs need the suite's test list (available) to expand for fstests -E" : "");
            }
            case "blktests" -> {
                List<String> args = new ArrayList<>();
                Set<String> names = new LinkedHashSet<>();
                for (String t : patterns) {
                    List<String> expanded = ExpungeEntry.isGlob(t)
                            ? available.stream().filter(a -> ExpungeEntry.matches(t, TestId.of(suite, a.split("/")))).toList()
                            : List.of(t.strip());
                    names.addAll(expanded);
                }
                for (String n : names) {
                    args.add("-x");
                    args.add(n);
                    expunged.add(TestId.of(suite, n.split("/")));
                }
                return new SkipPlan(suite, args, null, expunged, "");
            }
            case "ltp" -> {
                if (patterns.isEmpty()) {
                    return new SkipPlan(suite, List.of(), null, List.of(), "");
                }
                String re = patterns.stream().map(p -> ExpungeEntry.glob(lastSegment(p)).pattern())
                        .collect(Collectors.joining("|", "^(", ")$"));
                return new SkipPlan(suite, List.of("--skip-tests", re), null, plainSkipIds(), "");
            }
            default -> {
                return new SkipPlan(suite, List.of(), null, plainSkipIds(), patterns.isEmpty() ? ""
                        : suite + " has no skip option: the runner must not start the expunged tests");
            }
        }
    }

    private static String lastSegment(String p) {
        String n = p.strip().replace(':', '/');
        int slash = n.lastIndexOf('/');
        return slash < 0 ? n : n.substring(slash + 1);
    }
}
