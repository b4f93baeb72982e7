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
    private static final Pattern CHECK_LINE = Pattern.compile(
            "^(\\S+)/(\\d{3})(?:\\s+=>\\s+(\\S+))?(?:\\s+\\((.*)\\))?\\s+\\[(passed|failed|not run)\\]\\s*$");

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
     * Judges what blktests' {@code ./check} prints on its terminal: {@code GROUP/NNN [=> DEV] (description)
     * [passed|failed|not run]} lines, each followed by indented detail lines ({@code runtime OLD ... NEW},
     * the skip reasons, the output diff). Used when only the check output was kept.
     *
     * @param text check's stdout
     * @return one result per test line, in order; an ERROR or MISS result when there are none
     */
    public static List<TestResult> parseCheckOutput(String text) {
        List<TestResult> out = new ArrayList<>();
        List<String> lines = Lines.split(text == null ? "" : text);
        for (int i = 0; i < lines.size(); i++) {
            java.util.regex.Matcher m = CHECK_LINE.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            List<String> detail = new ArrayList<>();
            int j = i + 1;
            while (j < lines.size() && lines.get(j).startsWith("    ")) {
                detail.add(lines.get(j).substring(4));
                j++;
            }
            TestId id = TestId.of(SUITE, m.group(3) == null ? "nodev" : m.group(3), m.group(1), m.group(2));
            String status = m.group(5);
            Long ms = null;
            for (String d : detail) {
                if (d.startsWith("runtime")) {
                    String[] w = d.trim().split("\\s+");
                    ms = runtime(w[w.length - 1]);
                }
            }
            String raw = status;
            String excerpt = String.join("\n", lines.subList(i, j));
            TestResult r = switch (status) {
                case "passed" -> TestResult.pass(id, raw);
                case "not run" -> TestResult.of(id, Status.SKIP, raw,
                        detail.isEmpty() ? "not run" : String.join("; ", detail.stream().map(String::strip).toList()));
                default -> TestResult.fail(id, raw, detail.stream().anyMatch(d -> d.startsWith("--- ") || d.startsWith("+++ "))
                        ? "output differs from the expected output" : detail.stream().filter(d -> !d.startsWith("runtime"))
                        .map(String::strip).findFirst().orElse("failed"));
            };
            out.add(r.withDuration(ms).withExcerpt(excerpt));
            i = j - 1;
        }
        if (out.isEmpty()) {
            long nonBlank = lines.stream().filter(l -> !l.isBlank()).count();
            out.add(nonBlank == 0 ? TestResult.miss(TestId.of(SUITE, "(output)"), "blktests printed nothing")
                    : TestResult.error(TestId.of(SUITE, "(output)"), "", "no blktests result lines in " + nonBlank + " lines of output"));
        }
        return out;
    }
}
