package dev.kboot.harness.expunge;

import dev.kboot.harness.model.TestId;
import java.util.List;

/**
 * How to keep a suite from running its expunged tests, in the suite's own terms.
 *
 * @param suite       the suite
 * @param args        arguments to add to the suite's command line; for fstests they name
 *                    {@link #excludeFile} as {@value #EXCLUDE_FILE_PLACEHOLDER}, which the runner replaces
 *                    with the path it wrote the file to
 * @param excludeFile the content of a file the suite reads its skip list from (fstests {@code -E}), or null
 * @param expunged    the tests that will not run, to be reported EXPUNGED
 * @param note        what the runner must know (a suite without a skip option, globs left unexpanded), or empty
 */
public record SkipPlan(String suite, List<String> args, String excludeFile, List<TestId> expunged, String note) {
    /** Stands for the path of {@link #excludeFile()} in {@link #args()}. */
    public static final String EXCLUDE_FILE_PLACEHOLDER = "@EXCLUDE_FILE@";

    /** Copies the lists. */
    public SkipPlan {
        args = List.copyOf(args);
        expunged = List.copyOf(expunged);
        note = note == null ? "" : note;
    }
}
