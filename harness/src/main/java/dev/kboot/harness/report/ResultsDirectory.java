package dev.kboot.harness.report;

import dev.kboot.harness.baseline.Comparison;
import dev.kboot.harness.model.RunResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A results directory: results.json, junit.xml and summary.txt, each replaced atomically (temp file,
 * rename; fsync too on {@link #write}) on every {@link #write} or {@link #update}, so the runner can write as tests finish
 * ({@link RunRecorder} decides when) and a killed run leaves three valid files describing the tests written so far (with
 * {@code finished: false}).
 */
public final class ResultsDirectory {
    /** The machine-readable results, schema {@link ResultsJson#SCHEMA}. */
    public static final String RESULTS_JSON = "results.json";
    /** The JUnit XML report. */
    public static final String JUNIT_XML = "junit.xml";
    /** The short text summary. */
    public static final String SUMMARY_TXT = "summary.txt";
    /**
     * The results of a run in progress, one line per result as it is recorded ({@link ResultsJournal}):
     * what a run killed between two rewrites of results.json would otherwise lose. Removed when the
     * run finishes.
     */
    public static final String RESULTS_JOURNAL = "results.journal";
    /** The page for people ({@link HtmlReport}), written when the run ends. */
    public static final String RESULTS_HTML = "results.html";
    private final Path dir;

    /**
     * @param dir the directory; created with its parents if missing
     * @throws UncheckedIOException if it cannot be created
     */
    public ResultsDirectory(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create results directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** @return the directory */
    public Path dir() {
        return dir;
    }

    /**
     * Writes (replaces) all three files, durably: the run's last write.
     *
     * @param run        the run so far
     * @param comparison the run against its baseline, or null
     * @param baseline   where the baseline came from, or null
     * @throws UncheckedIOException if a file cannot be written (the previous version is then intact)
     */
    public void write(RunResult run, Comparison comparison, String baseline) {
        write(run, comparison, baseline, null, true);
    }

    /**
     * As {@link #write}, without forcing the files to disk: for the rewrites while the run goes, which a
     * killed run leaves valid all the same (each file is replaced by a rename); the run's last
     * {@link #write} makes them durable. Saves three fsyncs per test (bench/test-overhead-bench.sh).
     *
     * @param run        the run so far
     * @param comparison the run against its baseline, or null
     * @param baseline   where the baseline came from, or null
     * @throws UncheckedIOException if a file cannot be written (the previous version is then intact)
     */
    public void update(RunResult run, Comparison comparison, String baseline) {
        write(run, comparison, baseline, null, false);
    }

    /**
     * As {@link #update(RunResult, Comparison, String)}, with results.json's {@code journalSeq}: the
     * last {@link #RESULTS_JOURNAL} line {@code run} holds (a reader folds in the lines after it).
     *
     * @param journalSeq the {@code seq} of the journal's last line in {@code run}; 0 for none
     */
    void update(RunResult run, Comparison comparison, String baseline, long journalSeq) {
        write(run, comparison, baseline, journalSeq, false);
    }

    private void write(RunResult run, Comparison comparison, String baseline, Long journalSeq, boolean durable) {
        AtomicFiles.write(dir.resolve(RESULTS_JSON), ResultsJson.write(run, comparison, baseline, journalSeq).getBytes(StandardCharsets.UTF_8), durable);
        AtomicFiles.write(dir.resolve(JUNIT_XML), JunitXml.write(run), durable);
        AtomicFiles.write(dir.resolve(SUMMARY_TXT), SummaryText.render(run, comparison).getBytes(StandardCharsets.UTF_8), durable);
    }

    /**
     * Writes (replaces) results.html, the page for people: once, when the run has ended.
     *
     * @param run        the run
     * @param comparison the run against its baseline, or null
     * @param baseline   where the baseline came from, or null
     * @throws UncheckedIOException if it cannot be written (the previous version is then intact)
     */
    public void writeReport(RunResult run, Comparison comparison, String baseline) {
        AtomicFiles.write(dir.resolve(RESULTS_HTML), HtmlReport.render(run, comparison, baseline).getBytes(StandardCharsets.UTF_8));
    }
}
