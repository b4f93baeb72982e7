package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kboot results import}'s progress as a user sees it: on a pseudo-terminal (util-linux
 * script) the live line names each input as it is read (its number and size), then the tests found
 * and judged; without a terminal nothing but the summary.
 */
class ResultsImportProgressIT {
    static final Path CAPTURED = KbootProcess.REPO.resolve("harness/src/test/resources/captured/kselftest");

    @TempDir
    Path dir;

    @Test
    void onATerminalItNamesEachInputThenCountsTheTests() throws Exception {
        Path a = CAPTURED.resolve("futex.tap"), b = CAPTURED.resolve("exec.tap");
        KbootProcess k = KbootProcess.startOnTerminal(dir.resolve("runtime"), "results", "import", "--suite", "kselftest",
                a.toString(), b.toString(), "--results", dir.resolve("r").toString());
        int code = k.await(Duration.ofMinutes(2));
        String terminal = k.out();
        assertTrue(code == 0 || code == 1, terminal);
        String size = String.format(java.util.Locale.ROOT, "%.1f MiB", Files.size(a) / 1048576.0);
        assertTrue(terminal.contains("\r[0 tests] starting  reading futex.tap (1/2, " + size + ") 0:00"), terminal);
        assertTrue(terminal.contains("reading exec.tap (2/2, "), terminal);
        assertTrue(terminal.matches("(?s).*\\r\\[0/(\\d+) tests\\] starting  judging \\1 results \\(crashes, expunges\\) 0:00.*"), terminal);
        assertFalse(terminal.contains("(reading"), "no placeholder test: " + terminal);
        assertFalse(terminal.contains("ETA"), terminal);
        assertTrue(Files.isRegularFile(dir.resolve("r/results.json")));

        KbootProcess plain = KbootProcess.start(dir.resolve("runtime2"), "results", "import", "--suite", "kselftest", a.toString(),
                "--results", dir.resolve("r2").toString());
        plain.await(Duration.ofMinutes(2));
        assertFalse(plain.err().contains("reading futex.tap") || plain.err().contains("\r"), "no progress without a terminal: " + plain.err());
        assertEquals(1, plain.err().lines().count(), plain.err());
    }
}
