package dev.kboot.harness.parse;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Judges a blktests results directory: {@code results/DEV/GROUP/NNN} files of {@code key<TAB>value}
 * lines as blktests' {@code check} writes them ({@code _write_test_run}): {@code status} is
 * {@code pass}, {@code fail} or {@code not run}; {@code reason} says why a test failed ({@code output},
 * {@code exit}, {@code dmesg}, {@code kmemleak}, {@code timeout}) or did not run; {@code runtime} is
 * {@code 1.234s}; {@code exit_status}, {@code date}, {@code description} and per-test keys may follow.
 * Beside each file, {@code NNN.out.bad}, {@code .full} and {@code .dmesg} are kept as artifacts and
 * their text as the excerpt. Ids are {@code blktests/DEV/GROUP/NNN}, e.g. {@code blktests/nodev/block/001}.
 *
 * <p>Reads only the directory it is given; never throws on bad input.
 */
public final class BlktestsParser {
    /** The suite name, the ids' first segment. */
    public static final String SUITE = "blktests";
    private static final Pattern TEST_FILE = Pattern.compile("\\d{3}");
    /** blktests' test groups ({@code tests/*}), so that a result line glued to another line's end is still found. */
    private static final String GROUPS = "block|dm|loop|md|meta|nbd|nvme|nvmeof-mp|rnbd|scsi|srp|throtl|ublk|zbd";
    /**
     * {@code GROUP/NNN [=> DEV] [(CONDITION)] (DESCRIPTION) [STATUS]}: group 1 the test, 2 the device, 3 the
     * condition (a parenthesis before the description's), 4 the description, 5 the status (absent on the
     * line printed before the test runs).
     */
    private static final String CHECK = "((?:" + GROUPS + ")/\\d{3})(?:\\s+=>\\s+(\\S+))?(?:\\s+\\(([^()]*)\\)(?=\\s+\\())?"
            + "(?:\\s+\\((.*)\\))?\\s*(?:\\[(passed|failed|not run)\\])?\\s*$";
    private static final Pattern CHECK_LINE = Pattern.compile(CHECK);
    /** The colours check gives the status on a terminal ({@code tput setaf N}, {@code tput sgr0}). */
    private static final Pattern TERMINAL_CODES = Pattern.compile("\u001b\\[[0-9;]*[A-Za-z]|\u001b\\([AB0]");
    private static final Pattern CHECK_LINE_AT_WORD = Pattern.compile("(?<![\\w/.-])" + CHECK);

    /** The most bytes of a test's results file read. */
    static final int RECORD_BYTES = 64 << 10;
    /** The most bytes of each artifact ({@code .full}, {@code .dmesg}, ...) read for the excerpt: its end. */
    static final int ARTIFACT_BYTES = 16 << 10;

    private BlktestsParser() {
    }

    /**
     * Reads at most {@code max} bytes of {@code f} (its start, or with {@code tail} its end, saying
     * how much came before), never following a symlink: a guest wrote these files, and a
     * {@code .full} of gigabytes or a link to a host file must not end up in the results.
     */
    static String read(Path f, int max, boolean tail) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(f, java.util.Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            long size = ch.size();
            long from = tail ? Math.max(0, size - max) : 0;
            ch.position(from);
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(max, size - from));
            while (b.hasRemaining() && ch.read(b) > 0) {
                // reads until the bound or the end
            }
            String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
            return from > 0 ? "[... " + from + " bytes before this]\n" + text : text;
        }
    }

    /**
     * @param dir blktests' {@code results} directory, or one {@code results/DEV} directory inside it
     * @return one result per test file, sorted by id; a MISS result when there are none
     */
    public static List<TestResult> parse(Path dir) {
        List<TestResult> out = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir, 3)) {
            s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).filter(p -> TEST_FILE.matcher(p.getFileName().toString()).matches()).sorted().forEach(files::add);
        } catch (IOException | RuntimeException e) {
            out.add(TestResult.miss(TestId.of(SUITE, "(results)"), "cannot read blktests results at " + dir + ": " + e.getMessage()));
            return out;
        }
        for (Path f : files) {
            Path rel = dir.relativize(f);
            List<String> segs = new ArrayList<>();
            rel.forEach(p -> segs.add(p.toString()));
            if (segs.size() == 2) {
                segs.add(0, dir.getFileName() == null ? "nodev" : dir.getFileName().toString());
            }
            TestId id = TestId.of(SUITE, segs.toArray(String[]::new));
            out.add(parseFile(f, id, dir));
        }
        if (out.isEmpty()) {
            out.add(TestResult.miss(TestId.of(SUITE, "(results)"), "no blktests results files (DEV/GROUP/NNN) under " + dir + ": blktests produced nothing"));
        }
        return out;
    }

    private static TestResult parseFile(Path f, TestId id, Path base) {
        String text;
        try {
            text = Lines.decode(read(f, RECORD_BYTES, false).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return TestResult.error(id, "", "cannot read " + f + ": " + e.getMessage());
        }
        TestResult r = parseRecord(id, text);
        List<String> artifacts = new ArrayList<>();
        StringBuilder log = new StringBuilder();
        for (String ext : List.of(".out.bad", ".dmesg", ".full", ".kmemleak")) {
            Path p = f.resolveSibling(f.getFileName() + ext);
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                artifacts.add(base.relativize(p).toString());
                try {
                    log.append("==> ").append(f.getFileName()).append(ext).append(" <==\n")
                            .append(read(p, ARTIFACT_BYTES, true)).append('\n');
                } catch (IOException e) {
                    // the artifact stays listed
                }
            }
        }
        return r.withArtifacts(artifacts).withExcerpt(text + (log.length() == 0 ? "" : "\n" + log));
    }

    /**
     * Judges one results file's text.
     *
     * @param id   the test's id
     * @param text the file's {@code key<TAB>value} lines
     * @return the result: ERROR when there is no {@code status} line or it is not one blktests writes
     */
    public static TestResult parseRecord(TestId id, String text) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String l : Lines.split(text)) {
            int tab = l.indexOf('\t');
            if (tab > 0) {
                kv.put(l.substring(0, tab).strip(), l.substring(tab + 1).strip());
            }
        }
        String status = kv.get("status");
        String reason = kv.getOrDefault("reason", "");
        Long ms = runtime(kv.get("runtime"));
        if (status == null) {
            return TestResult.error(id, "", kv.isEmpty() ? "the results file is empty or not key<TAB>value lines"
                    : "the results file has no status line (keys: " + String.join(", ", kv.keySet()) + ")").withDuration(ms);
        }
        String raw = status + (reason.isEmpty() ? "" : " (" + reason + ")");
        TestResult r = switch (status) {
            case "pass" -> TestResult.pass(id, raw);
            case "not run" -> TestResult.of(id, Status.SKIP, raw, reason.isEmpty() ? "not run" : reason);
            case "fail" -> failure(id, raw, reason, kv.get("exit_status"));
            default -> TestResult.error(id, raw, "unknown blktests status '" + status + "'");
        };
        return r.withDuration(ms);
    }

    private static TestResult failure(TestId id, String raw, String reason, String exit) {
        return switch (reason) {
            case "timeout" -> TestResult.of(id, Status.TIMEOUT, raw, "timed out");
            case "output" -> TestResult.fail(id, raw, "output differs from the expected output (see .out.bad)");
            case "exit" -> TestResult.fail(id, raw, "exited with status " + (exit == null ? "?" : exit));
            case "dmesg" -> TestResult.fail(id, raw, "something found in dmesg (see .dmesg)");
            case "kmemleak" -> TestResult.fail(id, raw, "kmemleak reported a leak (see .kmemleak)");
            default -> TestResult.fail(id, raw, reason.isEmpty() ? "failed" : reason);
        };
    }

    private static Long runtime(String v) {
        if (v == null) {
            return null;
        }
        try {
            return Math.round(Double.parseDouble(v.strip().replaceFirst("s$", "")) * 1000);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Judges what blktests' {@code ./check} prints on its terminal: one line per test and condition,
     * {@code GROUP/NNN [=> DEV] [(CONDITION)] (DESCRIPTION) [passed|failed|not run]}, each followed by
     * four-space-indented detail lines ({@code runtime OLD ... NEW}, the skip reasons, the output diff,
     * {@code exited with status N}, {@code something found in dmesg:}) (blktests' {@code check}:
     * {@code _output_status}, {@code _output_test_run}). Used when only the check output was kept.
     *
     * @param text check's stdout, or a log holding it
     * @return one result per test and condition, in order; an ERROR or MISS result when there are none
     */
    public static List<TestResult> parseCheckOutput(String text) {
        return Located.results(parseCheckOutputLocated(text));
    }

    /**
     * As {@link #parseCheckOutput}, with the lines each result came from. A test that runs once per
     * condition ({@code nvme/006 (tr=loop bd=device)}, {@code (tr=loop bd=file)}, {@code meta/016
     * (condition set 0)}) gives one result per condition, whose id names the results directory blktests
     * writes it to: {@code blktests/nodev_tr_loop_bd_device/nvme/006} ({@code DEV} or {@code nodev}, then
     * {@code _} and the condition with blanks and {@code =} as {@code _}), the same id the results
     * directory parser gives. The line check prints before a test runs (no status) is replaced by the one
     * after; a result line found again (inside a kernel log line, or glued to another line's end) counts
     * once; a test whose final line never came is MISS. The terminal colours of the status are ignored.
     *
     * @param text check's stdout, or a log holding it
     * @return one located result per test and condition
     */
    public static List<Located> parseCheckOutputLocated(String text) {
        List<String> lines = Lines.split(text == null ? "" : text).stream()
                .map(l -> l.indexOf('\u001b') < 0 ? l : TERMINAL_CODES.matcher(l).replaceAll("")).toList();
        Map<TestId, Located> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            java.util.regex.Matcher m = find(lines.get(i));
            if (m == null) {
                continue;
            }
            String cond = m.group(3);
            String dev = m.group(2) == null ? "nodev" : m.group(2);
            String dir = dev + (cond == null ? "" : "_" + cond.replaceAll("[ =]", "_"));
            String[] gt = m.group(1).split("/", 2);
            TestId id = TestId.of(SUITE, dir, gt[0], gt[1]);
            String status = m.group(5);
            List<String> detail = new ArrayList<>();
            int j = i + 1;
            while (j < lines.size() && lines.get(j).startsWith("    ")) {
                detail.add(lines.get(j).substring(4));
                j++;
            }
            Located prev = out.get(id);
            if (status == null) {
                if (prev == null || prev.result().status() == Status.MISS) {
                    out.put(id, new Located(TestResult.miss(id, "the output ended while it ran").withExcerpt(Lines.join(lines, i, j - 1)), i, j - 1));
                }
                continue;
            }
            if (prev != null && prev.result().status() != Status.MISS && prev.result().rawStatus().equals(status)) {
                i = j - 1;
                continue; // the same verdict again: echoed to the kernel log, or printed twice
            }
            int first = prev != null && prev.result().status() == Status.MISS ? prev.firstLine() : i;
            out.remove(id); // a later run of the same test and condition has the last word
            out.put(id, new Located(judgeLine(id, status, detail).withExcerpt(Lines.join(lines, i, j - 1)), first, j - 1));
            i = j - 1;
        }
        List<Located> res = new ArrayList<>(out.values());
        if (res.isEmpty()) {
            long nonBlank = lines.stream().filter(l -> !l.isBlank()).count();
            res.add(new Located(nonBlank == 0 ? TestResult.miss(TestId.of(SUITE, "(output)"), "blktests printed nothing")
                    : TestResult.error(TestId.of(SUITE, "(output)"), "", "no blktests result lines in " + nonBlank + " lines of output"), -1, -1));
        }
        return res;
    }

    /** A result line, found anywhere in a line: preferably where a word starts, else glued to what came before. */
    private static java.util.regex.Matcher find(String line) {
        if (line.indexOf('/') < 0) {
            return null;
        }
        java.util.regex.Matcher m = CHECK_LINE_AT_WORD.matcher(line);
        if (m.find()) {
            return m;
        }
        m = CHECK_LINE.matcher(line);
        return m.find() ? m : null;
    }

    private static TestResult judgeLine(TestId id, String status, List<String> detail) {
        Long ms = null;
        for (String d : detail) {
            if (d.strip().startsWith("runtime")) {
                String[] w = d.strip().split("\\s+");
                ms = runtime(w[w.length - 1]);
            }
        }
        TestResult r = switch (status) {
            case "passed" -> TestResult.pass(id, status);
            case "not run" -> TestResult.of(id, Status.SKIP, status, detail.isEmpty() ? "not run"
                    : String.join("; ", detail.stream().map(String::strip).filter(d -> !d.startsWith("runtime")).toList()));
            default -> TestResult.fail(id, status, failureReason(detail));
        };
        return r.withDuration(status.equals("not run") ? null : ms);
    }

    private static String failureReason(List<String> detail) {
        for (String d : detail) {
            String t = d.strip();
            if (t.startsWith("--- ") || t.startsWith("+++ ")) {
                return "output differs from the expected output";
            }
            if (t.startsWith("something found in dmesg")) {
                return "something found in dmesg";
            }
            if (t.startsWith("exited with status")) {
                return t;
            }
        }
        return detail.stream().map(String::strip).filter(d -> !d.startsWith("runtime") && !d.isEmpty()).findFirst().orElse("failed");
    }
}
