package dev.kboot.harness.expunge;

import dev.kboot.harness.model.TestId;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One entry of an expunge file: known failures or tests not to run (kdevops' expunge lists, made
 * structured).
 *
 * @param index   its 0-based position in the file (for messages: {@code expunges[3]})
 * @param suite   the suite it applies to ({@code kselftest}, {@code fstests}, ...)
 * @param tests   test ids below the suite ({@code timers/rtcpie}, {@code generic/475}), kselftest's
 *                {@code coll:test} form, or globs ({@code *}, {@code ?}, {@code [..]}) over them
 * @param profile the suite profile it applies to, or null for every profile
 * @param kernel  a regex searched in the kernel release ({@code ^6\.1\.}), or null for every kernel
 * @param action  skip or xfail
 * @param reason  why (shown with every matched test)
 * @param bug     a link to the bug, or null
 */
public record ExpungeEntry(int index, String suite, List<String> tests, String profile, Pattern kernel, Action action,
                           String reason, String bug) {
    /** Copies the test list. */
    public ExpungeEntry {
        tests = List.copyOf(tests);
    }

    /**
     * @param runSuite      the suite being run
     * @param runProfile    its profile, or null
     * @param kernelRelease the kernel's release, or null when unknown (entries with a kernel pattern then do not apply)
     * @return whether this entry applies to that run
     */
    public boolean appliesTo(String runSuite, String runProfile, String kernelRelease) {
        if (!suite.equals(runSuite)) {
            return false;
        }
        if (profile != null && !profile.equals(runProfile)) {
            return false;
        }
        return kernel == null || (kernelRelease != null && kernel.matcher(kernelRelease).find());
    }

    /** @return whether one of its patterns matches the test */
    public boolean matches(TestId id) {
        return tests.stream().anyMatch(p -> matches(p, id));
    }

    /**
     * A pattern matches a test when it matches the test's full id, its id below the suite, or any
     * trailing part of that id on a {@code /} boundary ({@code generic/475} matches
     * {@code fstests/global/generic/475}). {@code coll:test} is read as {@code coll/test}.
     *
     * @param pattern an id or glob
     * @param id      a test
     * @return whether it matches
     */
    public static boolean matches(String pattern, TestId id) {
        Pattern p = glob(pattern.strip().replace(':', '/'));
        List<String> s = id.segments();
        for (int k = 0; k < s.size(); k++) {
            if (p.matcher(String.join("/", s.subList(k, s.size()))).matches()) {
                return true;
            }
        }
        return false;
    }

    /** @return whether the pattern has glob characters */
    public static boolean isGlob(String pattern) {
        return pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0 || pattern.indexOf('[') >= 0;
    }

    /** Translates a glob to a regex: {@code *} any run of characters, {@code ?} one, {@code [..]} a class. */
    static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        boolean inClass = false;
        for (char c : g.toCharArray()) {
            if (inClass) {
                re.append(c == '\\' ? "\\\\" : String.valueOf(c));
                if (c == ']') {
                    inClass = false;
                }
                continue;
            }
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    re.append('[');
                    inClass = true;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (inClass) {
            return Pattern.compile(Pattern.quote(g));
        }
        return Pattern.compile(re.toString());
    }

    /** @return {@code expunges[N] (suite: tests)} for messages */
    public String describe() {
        return "expunges[" + index + "] (" + suite + ": " + String.join(", ", tests) + ")";
    }

    /** @return the reason with the bug link, for a test's reason */
    public String because() {
        return reason + (bug == null ? "" : " (" + bug + ")");
    }
}
