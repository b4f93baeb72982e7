package dev.kboot.harness.parse;

import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Judges fstests results: the xunit {@code result.xml} that {@code ./check -R xunit} writes per section
 * ({@code common/report} in fstests: a {@code testsuite} of {@code testcase classname="xfstests.SECTION"
 * name="generic/001" time="S"} with {@code failure}, {@code error} or {@code skipped} children and the
 * test's {@code .full} output in {@code system-out}, its diff or dmesg in {@code system-err}), plus the
 * section's {@code check.log} ({@code Ran:}, {@code Not run:}, {@code Failures:} lines). Expunged tests
 * ({@code -E}) are absent from the xunit. Ids are {@code fstests/SECTION/TEST}, e.g.
 * {@code fstests/global/generic/001}.
 *
 * <p>Reads only the files it is given; never throws on bad input: a malformed or cut-short
 * {@code result.xml} keeps the tests read before the fault and adds an ERROR result
 * {@code fstests/SECTION/(result.xml)} saying where it broke; a section with only a
 * {@code check.log} is judged from it.
 */
public final class FstestsParser {
    /** The suite name, the ids' first segment. */
    public static final String SUITE = "fstests";
    private static final Pattern SEE = Pattern.compile("\\(see ([^)]+)\\)");

    private FstestsParser() {
    }

    /**
     * @param path a {@code result.xml}, a section's results directory, or fstests' {@code results}
     *             directory holding one directory per section
     * @return one result per test of every section found, in file order; an ERROR or MISS result when
     *         nothing could be read
     */
    public static List<TestResult> parse(Path path) {
        List<TestResult> out = new ArrayList<>();
        if (Files.isRegularFile(path)) {
            Path dir = path.getParent() == null ? Path.of(".") : path.getParent();
            out.addAll(parseSection(dir, path, dir.resolve("check.log"), dir));
            return out;
        }
        if (!Files.isDirectory(path)) {
            out.add(TestResult.miss(TestId.of(SUITE, "(results)"), "no fstests results at " + path));
            return out;
        }
        List<Path> sections = new ArrayList<>();
        if (Files.exists(path.resolve("result.xml")) || Files.exists(path.resolve("check.log"))) {
            sections.add(path);
        }
        try (Stream<Path> s = Files.list(path)) {
            s.filter(Files::isDirectory).sorted()
                    .filter(d -> Files.exists(d.resolve("result.xml")) || Files.exists(d.resolve("check.log")))
                    .forEach(sections::add);
        } catch (IOException e) {
            out.add(TestResult.error(TestId.of(SUITE, "(results)"), "", "cannot list " + path + ": " + e.getMessage()));
        }
        for (Path d : sections) {
            out.addAll(parseSection(d, d.resolve("result.xml"), d.resolve("check.log"), path));
        }
        if (out.isEmpty()) {
            out.add(TestResult.miss(TestId.of(SUITE, "(results)"),
                    "no result.xml or check.log under " + path + ": fstests produced nothing"));
        }
        return out;
    }

    private static List<TestResult> parseSection(Path dir, Path xml, Path checkLog, Path base) {
        String dirSection = dir.getFileName() == null ? "global" : dir.getFileName().toString();
        List<TestResult> results = new ArrayList<>();
        String section = null;
        if (Files.isRegularFile(xml)) {
            try (InputStream in = Files.newInputStream(xml)) {
                Xunit x = parseXunit(in, null);
                results.addAll(x.results());
                section = x.section();
            } catch (IOException e) {
                results.add(TestResult.error(TestId.of(SUITE, dirSection, "(result.xml)"), "", "cannot read " + xml + ": " + e.getMessage()));
            }
        }
        if (section == null) {
            section = dirSection.equals("results") ? "global" : dirSection;
        }
        if (Files.isRegularFile(checkLog)) {
            try {
                CheckLog log = parseCheckLog(Files.readString(checkLog, java.nio.charset.StandardCharsets.ISO_8859_1));
                results = merge(results, log, section, Files.isRegularFile(xml));
            } catch (IOException e) {
                // check.log is a cross-check only
            }
        }
        List<TestResult> out = new ArrayList<>();
        for (TestResult r : results) {
            out.add(r.withArtifacts(artifacts(dir, base, r.id())));
        }
        return out;
    }

    /** Artifacts fstests leaves per test: {@code TEST.out.bad}, {@code .full}, {@code .dmesg}, {@code .notrun}. */
    private static List<String> artifacts(Path dir, Path base, TestId id) {
        if (id.segments().size() < 3) {
            return List.of();
        }
        String test = String.join("/", id.segments().subList(2, id.segments().size()));
        List<String> found = new ArrayList<>();
        for (String ext : List.of(".out.bad", ".full", ".dmesg", ".notrun")) {
            Path p = dir.resolve(test + ext);
            if (Files.isRegularFile(p)) {
                found.add(base.relativize(p).toString());
            }
        }
        return found;
    }

    /**
     * A parsed xunit file.
     *
     * @param section  the section its test cases name ({@code xfstests.SECTION}), or null if none did
     * @param results  the tests read, in file order, plus an ERROR result if the file is malformed
     * @param declared the test count its {@code testsuite} header declares, or -1
     */
    public record Xunit(String section, List<TestResult> results, int declared) {
    }

    /**
     * Parses an fstests xunit report.
     *
     * @param in      the {@code result.xml} bytes (read to the end, not closed)
     * @param section the section to use when the test cases do not name one, or null for {@code global}
     * @return the results; never throws on malformed XML
     */
    public static Xunit parseXunit(InputStream in, String section) {
        List<TestResult> out = new ArrayList<>();
        String sect = section;
        int declared = -1;
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        XMLStreamReader x = null;
        Case c = null;
        String text = null;
        try {
            x = f.createXMLStreamReader(in);
            while (x.hasNext()) {
                int ev = x.next();
                if (ev == XMLStreamConstants.START_ELEMENT) {
                    String el = x.getLocalName();
                    switch (el) {
                        case "testsuite" -> declared = intAttr(x, "tests");
                        case "property" -> {
                            if ("SECTION".equals(x.getAttributeValue(null, "name")) && sect == null) {
                                String v = x.getAttributeValue(null, "value");
                                sect = v == null || v.equals("-no-sections-") ? null : v;
                            }
                        }
                        case "testcase" -> {
                            c = new Case();
                            c.name = x.getAttributeValue(null, "name");
                            String cls = x.getAttributeValue(null, "classname");
                            c.section = cls != null && cls.startsWith("xfstests.") ? cls.substring("xfstests.".length()) : null;
                            c.time = x.getAttributeValue(null, "time");
                        }
                        case "failure", "error", "skipped" -> {
                            if (c != null) {
                                c.kind = el;
                                c.message = x.getAttributeValue(null, "message");
                                c.type = x.getAttributeValue(null, "type");
                            }
                            text = "";
                        }
                        case "system-out", "system-err", "kernel-log" -> text = "";
                        default -> {
                        }
                    }
                } else if (ev == XMLStreamConstants.CHARACTERS || ev == XMLStreamConstants.CDATA) {
                    if (text != null) {
                        text += x.getText();
                    }
                } else if (ev == XMLStreamConstants.END_ELEMENT) {
                    String el = x.getLocalName();
                    switch (el) {
                        case "system-out" -> {
                            if (c != null) {
                                c.out = text == null ? "" : text.strip();
                            }
                            text = null;
                        }
                        case "system-err", "kernel-log" -> {
                            if (c != null) {
                                c.err = (c.err == null ? "" : c.err + "\n") + (text == null ? "" : text.strip());
                            }
                            text = null;
                        }
                        case "failure", "error", "skipped" -> {
                            if (c != null && c.message == null && text != null && !text.isBlank()) {
                                c.message = text.strip();
                            }
                            text = null;
                        }
                        case "testcase" -> {
                            if (c != null) {
                                out.add(c.toResult(sect));
                            }
                            c = null;
                        }
                        default -> {
                        }
                    }
                }
            }
        } catch (XMLStreamException | RuntimeException e) {
            String where = e instanceof XMLStreamException xe && xe.getLocation() != null
                    ? " at line " + xe.getLocation().getLineNumber() : "";
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().replaceAll("\\s+", " ");
            msg = msg.replaceFirst("^ParseError at \\[row,col\\]:\\[\\d+,\\d+\\] Message: ", "");
            String counted = declared >= 0 ? " (its header counts " + declared + " tests, " + out.size() + " were read)" : "";
            out.add(TestResult.error(TestId.of(SUITE, section(sect, out), "(result.xml)"), "",
                    "result.xml is malformed or cut short" + where + counted + ": " + msg));
        } finally {
            if (x != null) {
                try {
                    x.close();
                } catch (XMLStreamException e) {
                    // nothing more to read
                }
            }
        }
        String found = out.stream().filter(r -> r.id().segments().size() > 2).map(r -> r.id().segments().get(1)).findFirst().orElse(sect);
        return new Xunit(found, out, declared);
    }

    private static String section(String sect, List<TestResult> out) {
        if (!out.isEmpty()) {
            return out.get(out.size() - 1).id().segments().get(1);
        }
        return sect == null ? "global" : sect;
    }

    private static int intAttr(XMLStreamReader x, String name) {
        try {
            String v = x.getAttributeValue(null, name);
            return v == null ? -1 : Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** One {@code testcase} being read. */
    private static final class Case {
        String name;
        String section;
        String time;
        String kind;
        String message;
        String type;
        String out;
        String err;

        TestResult toResult(String sect) {
            String s = section != null ? section : sect != null ? sect : "global";
            TestId id = TestId.of(SUITE, s, name == null || name.isBlank() ? "(unnamed)" : name);
            String msg = message == null ? "" : message.strip();
            TestResult r;
            if (kind == null) {
                r = TestResult.pass(id, "pass");
            } else {
                switch (kind) {
                    case "skipped" -> r = TestResult.of(id, Status.SKIP, "notrun", msg.isEmpty() ? "not run" : msg);
                    case "error" -> r = TestResult.error(id, "error" + (type == null ? "" : " " + type), msg);
                    default -> r = TestResult.fail(id, "fail" + (type == null ? "" : " " + type), msg.replaceFirst("^-\\s*", ""));
                }
            }
            StringBuilder log = new StringBuilder();
            if (err != null && !err.isBlank()) {
                log.append(err.strip()).append('\n');
            }
            if (out != null && !out.isBlank()) {
                log.append(out.strip()).append('\n');
            }
            return r.withExcerpt(log.toString()).withDuration(seconds(time));
        }
    }

    private static Long seconds(String time) {
        if (time == null) {
            return null;
        }
        try {
            return Math.round(Double.parseDouble(time.strip()) * 1000);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The last run recorded in a {@code check.log}.
     *
     * @param ran         tests listed on its {@code Ran:} line
     * @param notRun      tests on its {@code Not run:} line
     * @param failures    tests on its {@code Failures:} line
     * @param interrupted whether it says {@code Interrupted!}
     */
    public record CheckLog(Set<String> ran, Set<String> notRun, Set<String> failures, boolean interrupted) {
    }

    /**
     * Parses fstests' {@code check.log}: each run appends its {@code Ran:}, {@code Not run:},
     * {@code Failures:} and summary lines; the last run's lines win.
     *
     * @param text the file's text
     * @return the last run's lists (empty sets when absent)
     */
    public static CheckLog parseCheckLog(String text) {
        Set<String> ran = new LinkedHashSet<>();
        Set<String> notRun = new LinkedHashSet<>();
        Set<String> failures = new LinkedHashSet<>();
        boolean interrupted = false;
        for (String l : Lines.split(text)) {
            String t = l.strip();
            if (t.startsWith("Ran:")) {
                ran.clear();
                notRun.clear();
                failures.clear();
                interrupted = false;
                ran.addAll(words(t.substring(4)));
            } else if (t.startsWith("Not run:")) {
                notRun.addAll(words(t.substring(8)));
            } else if (t.startsWith("Failures:")) {
                failures.addAll(words(t.substring(9)));
            } else if (t.startsWith("Interrupted!")) {
                interrupted = true;
            }
        }
        return new CheckLog(ran, notRun, failures, interrupted);
    }

    private static List<String> words(String s) {
        return java.util.Arrays.stream(s.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    /** Cross-checks xunit results with check.log, or judges from check.log alone when there is no xunit. */
    private static List<TestResult> merge(List<TestResult> xunit, CheckLog log, String section, boolean hadXml) {
        Map<String, TestResult> byName = new LinkedHashMap<>();
        for (TestResult r : xunit) {
            byName.put(r.id().segments().size() > 2 ? String.join("/", r.id().segments().subList(2, r.id().segments().size())) : r.id().toString(), r);
        }
        List<TestResult> out = new ArrayList<>(xunit);
        Set<String> all = new LinkedHashSet<>(log.ran());
        all.addAll(log.notRun());
        for (String t : all) {
            if (byName.containsKey(t)) {
                continue;
            }
            TestId id = TestId.of(SUITE, section, t);
            if (hadXml) {
                out.add(TestResult.miss(id, "check.log lists it but result.xml has no result for it"));
            } else if (log.failures().contains(t)) {
                out.add(TestResult.fail(id, "Failures", "listed under Failures in check.log (no result.xml)"));
            } else if (log.notRun().contains(t)) {
                out.add(TestResult.of(id, Status.SKIP, "Not run", "listed under Not run in check.log (no result.xml)"));
            } else {
                out.add(TestResult.pass(id, "Ran").withReason("judged from check.log (no result.xml)"));
            }
        }
        if (log.interrupted() && !hadXml) {
            out.add(TestResult.miss(TestId.of(SUITE, section, "(interrupted)"), "check.log says the run was interrupted"));
        }
        return out;
    }

    /**
     * @param failureMessage a failure message such as {@code - output mismatch (see /x/results//generic/001.out.bad)}
     * @return the file it points at, if any
     */
    public static java.util.Optional<String> seeAlso(String failureMessage) {
        Matcher m = SEE.matcher(failureMessage == null ? "" : failureMessage);
        return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }
}
