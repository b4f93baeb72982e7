package dev.kboot.harness.parse;

import dev.kboot.harness.model.TestResult;
import java.util.List;

/**
 * Judges KUnit results as the kernel prints them on its console: KTAP v1 (or the TAP 14 of older
 * kernels) with a {@code [   12.345678] } timestamp on each line, suites nested one level under the
 * top, cases under the suites, suites inside suites and parameterised cases further down, at any
 * indentation (spaces or tabs, results may sit deeper than their own version and plan lines) (linux
 * {@code Documentation/dev-tools/ktap.rst} and {@code Documentation/dev-tools/kunit/}). Console noise
 * between the lines is ignored. Every case is a result, as kunit.py counts them: ids are
 * {@code kunit/SUITE/CASE}, {@code kunit/SUITE/SUBSUITE/CASE}, {@code kunit/SUITE/CASE/PARAM}; a suite is
 * a result of its own only when it says {@code not ok} although its cases passed (see
 * {@link KtapResults#leaves}); an empty subtest is an ERROR.
 *
 * <p>Pure; never throws. A crash or cut-short log leaves the cases never reported as MISS.
 */
public final class KunitParser {
    /** The suite name, the ids' first segment. */
    public static final String SUITE = "kunit";

    private KunitParser() {
    }

    /**
     * @param consoleLog the kernel console log or {@code dmesg} output holding the KTAP
     * @return one result per case, in order
     */
    public static List<TestResult> parse(String consoleLog) {
        return Located.results(parseLocated(consoleLog));
    }

    /**
     * @param consoleLog the kernel console log or {@code dmesg} output holding the KTAP
     * @return one result per case, with the console lines it owned
     */
    public static List<Located> parseLocated(String consoleLog) {
        KtapParser.Document doc = KtapParser.parse(consoleLog);
        List<Located> out = KtapResults.leaves(doc, SUITE);
        if (out.size() == 1 && out.get(0).result().status() == dev.kboot.harness.model.Status.ERROR && !doc.sawTap()) {
            // a console without KTAP: KUnit never ran (or its output was lost), which is not a test's error
            TestResult r = out.get(0).result();
            return List.of(new Located(r.withStatus(dev.kboot.harness.model.Status.MISS,
                    "no KUnit KTAP output on the console (" + r.reason().replace("no TAP/KTAP found in ", "") + " searched)"), -1, -1));
        }
        if (out.size() == 1 && out.get(0).firstLine() < 0 && out.get(0).result().status() == dev.kboot.harness.model.Status.SKIP) {
            // KUnit ran and had no test to run (every suite filtered out or not built): kunit.py counts it an error
            return List.of(new Located(out.get(0).result().withStatus(dev.kboot.harness.model.Status.ERROR,
                    "KUnit ran no tests: its plan is 1..0"), -1, -1));
        }
        return out;
    }
}
