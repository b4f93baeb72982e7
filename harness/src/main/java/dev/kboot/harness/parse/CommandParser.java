package dev.kboot.harness.parse;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;

/**
 * Judges a plain command by its exit status, with kselftest's conventions
 * ({@code tools/testing/selftests/kselftest.h} and {@code kselftest/runner.sh}): 0 PASS, 4 SKIP
 * ({@code KSFT_SKIP}), 124 TIMEOUT (timeout(1)), anything else FAIL. Ids are {@code command/NAME}.
 */
public final class CommandParser {
    /** The suite name, the ids' first segment. */
    public static final String SUITE = "command";
    /** kselftest's skip exit status ({@code KSFT_SKIP}). */
    public static final int SKIP_STATUS = 4;
    /** timeout(1)'s exit status for a command it stopped. */
    public static final int TIMEOUT_STATUS = 124;

    private CommandParser() {
    }

    /**
     * @param name       the test's name ({@code test_bpf}); becomes {@code command/NAME}
     * @param exitStatus the command's exit status, 0-255 (a shell's 128+N for signal N)
     * @param output     what it printed (stdout and stderr), kept as the excerpt; may be null
     * @param durationMs how long it ran, in ms, or null
     * @return the result
     */
    public static TestResult judge(String name, int exitStatus, String output, Long durationMs) {
        TestId id = TestId.of(SUITE, name);
        String raw = "exit=" + exitStatus;
        TestResult r = switch (exitStatus) {
            case 0 -> TestResult.pass(id, raw);
            case SKIP_STATUS -> TestResult.of(id, Status.SKIP, raw, "exit status 4 (kselftest's KSFT_SKIP)" + lastLine(output));
            case TIMEOUT_STATUS -> TestResult.of(id, Status.TIMEOUT, raw, "exit status 124 (timed out)");
            default -> TestResult.fail(id, raw, "exit status " + exitStatus
                    + (exitStatus > 128 && exitStatus < 160 ? " (killed by signal " + (exitStatus - 128) + ")" : "") + lastLine(output));
        };
        return r.withExcerpt(output).withDuration(durationMs);
    }

    private static String lastLine(String output) {
        if (output == null) {
            return "";
        }
        var lines = Lines.split(output);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).strip();
            if (!l.isEmpty()) {
                return ": " + (l.length() > 200 ? l.substring(0, 200) + "..." : l);
            }
        }
        return "";
    }
}
