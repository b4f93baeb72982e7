package dev.kboot.harness.report;

import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes a run as JUnit XML in the shape Jenkins' JUnit plugin and GitLab's test reports read
 * ({@code testsuites > testsuite > testcase} with {@code failure}, {@code error}, {@code skipped} and
 * {@code system-out}): one {@code testsuite} per kboot suite, one {@code testcase} per test.
 * FAIL is a {@code failure}; TIMEOUT, CRASH, ERROR and MISS are {@code error}s (the test did not get
 * to a verdict of its own); SKIP, EXPUNGED and XFAIL are {@code skipped} with the reason; PASS and
 * XPASS are plain test cases. {@code classname} is {@code suite.level} ({@code kselftest.timers}) and
 * {@code name} the rest of the id ({@code nanosleep}, {@code generic/001}); the excerpt is the
 * {@code system-out}. Characters XML 1.0 forbids (console control bytes) are dropped.
 */
public final class JunitXml {
    /** Made once (a lookup through the service loader); writers are created under its lock. */
    private static final XMLOutputFactory FACTORY = XMLOutputFactory.newFactory();

    private JunitXml() {
    }

    /**
     * @param run the run
     * @return the XML document, UTF-8
     */
    public static byte[] write(RunResult run) {
        Map<String, List<TestResult>> bySuite = new LinkedHashMap<>();
        for (TestResult t : run.tests()) {
            bySuite.computeIfAbsent(t.id().suite(), k -> new ArrayList<>()).add(t);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w;
            synchronized (FACTORY) {
                w = FACTORY.createXMLStreamWriter(out, "UTF-8");
            }
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeStartElement("testsuites");
            w.writeAttribute("name", "kboot");
            counts(w, run.tests());
            w.writeCharacters("\n");
            for (Map.Entry<String, List<TestResult>> e : bySuite.entrySet()) {
                w.writeCharacters("  ");
                w.writeStartElement("testsuite");
                w.writeAttribute("name", e.getKey());
                counts(w, e.getValue());
                if (run.info().startTime() != null) {
                    w.writeAttribute("timestamp", run.info().startTime().toString());
                }
                w.writeCharacters("\n    ");
                w.writeStartElement("properties");
                property(w, "kernel.release", run.info().kernelRelease());
                property(w, "kernel.cmdline", run.info().kernelCmdline());
                property(w, "bootspec.label", run.info().bootspecLabel());
                property(w, "bootspec.toplevel", run.info().bootspecToplevel());
                property(w, "qemu.version", run.info().qemuVersion());
                property(w, "accelerator", run.info().accelerator());
                property(w, "kboot.version", run.info().kbootVersion());
                w.writeEndElement();
                w.writeCharacters("\n");
                for (TestResult t : e.getValue()) {
                    testcase(w, t);
                }
                w.writeCharacters("  ");
                w.writeEndElement();
                w.writeCharacters("\n");
            }
            w.writeEndElement();
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot render junit.xml", e);
        }
        return out.toByteArray();
    }

    private static void counts(XMLStreamWriter w, List<TestResult> tests) throws XMLStreamException {
        long failures = tests.stream().filter(t -> t.status() == Status.FAIL).count();
        long errors = tests.stream().filter(t -> errorStatus(t.status())).count();
        long skipped = tests.stream().filter(t -> skippedStatus(t.status())).count();
        long ms = tests.stream().mapToLong(t -> t.durationMs() == null ? 0 : t.durationMs()).sum();
        w.writeAttribute("tests", String.valueOf(tests.size()));
        w.writeAttribute("failures", String.valueOf(failures));
        w.writeAttribute("errors", String.valueOf(errors));
        w.writeAttribute("skipped", String.valueOf(skipped));
        w.writeAttribute("time", seconds(ms));
    }

    private static boolean errorStatus(Status s) {
        return s == Status.TIMEOUT || s == Status.CRASH || s == Status.ERROR || s == Status.MISS;
    }

    private static boolean skippedStatus(Status s) {
        return s == Status.SKIP || s == Status.EXPUNGED || s == Status.XFAIL;
    }

    private static void property(XMLStreamWriter w, String name, String value) throws XMLStreamException {
        if (value == null) {
            return;
        }
        w.writeCharacters("\n      ");
        w.writeEmptyElement("property");
        w.writeAttribute("name", name);
        w.writeAttribute("value", clean(value));
    }

    private static void testcase(XMLStreamWriter w, TestResult t) throws XMLStreamException {
        List<String> s = t.id().segments();
        String classname = s.size() >= 3 ? s.get(0) + "." + s.get(1) : s.get(0);
        String name = s.size() >= 3 ? String.join("/", s.subList(2, s.size())) : s.size() == 2 ? s.get(1) : s.get(0);
        w.writeCharacters("    ");
        w.writeStartElement("testcase");
        w.writeAttribute("classname", clean(classname));
        w.writeAttribute("name", clean(name));
        w.writeAttribute("time", seconds(t.durationMs() == null ? 0 : t.durationMs()));
        String message = t.status().key().toUpperCase(Locale.ROOT) + (t.reason().isEmpty() ? "" : ": " + t.reason());
        if (t.status() == Status.FAIL) {
            w.writeCharacters("\n      ");
            w.writeStartElement("failure");
            w.writeAttribute("message", clean(message));
            w.writeAttribute("type", "FAIL");
            w.writeCharacters(clean(t.rawStatus()));
            w.writeEndElement();
        } else if (errorStatus(t.status())) {
            w.writeCharacters("\n      ");
            w.writeStartElement("error");
            w.writeAttribute("message", clean(message));
            w.writeAttribute("type", t.status().name());
            StringBuilder b = new StringBuilder(t.rawStatus());
            t.incidents().forEach(i -> b.append(b.length() == 0 ? "" : "\n").append(i.excerpt()));
            w.writeCharacters(clean(b.toString()));
            w.writeEndElement();
        } else if (skippedStatus(t.status())) {
            w.writeCharacters("\n      ");
            w.writeEmptyElement("skipped");
            w.writeAttribute("message", clean(message));
        }
        if (!t.excerpt().isEmpty() || !t.incidents().isEmpty()) {
            StringBuilder out = new StringBuilder(t.excerpt());
            for (var i : t.incidents()) {
                out.append(out.length() == 0 ? "" : "\n").append("--- kboot: ").append(i.headline()).append(" ---\n").append(i.excerpt());
            }
            w.writeCharacters("\n      ");
            w.writeStartElement("system-out");
            w.writeCharacters(clean(out.toString()));
            w.writeEndElement();
        }
        w.writeCharacters("\n    ");
        w.writeEndElement();
        w.writeCharacters("\n");
    }

    /** @return {@code ms} in seconds with three decimals, as {@code %.3f} prints it (without the formatter: junit.xml is rewritten after every test) */
    static String seconds(long ms) {
        long a = Math.abs(ms);
        String frac = Long.toString(1000 + a % 1000).substring(1);
        return (ms < 0 ? "-" : "") + a / 1000 + "." + frac;
    }

    /** Drops characters XML 1.0 does not allow (all C0 controls but tab, newline and carriage return). */
    static String clean(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
                    || Character.isSurrogate(c)) {
                b.append(c);
            }
        }
        return b.toString();
    }
}
