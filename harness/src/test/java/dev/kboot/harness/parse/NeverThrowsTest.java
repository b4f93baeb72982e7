package dev.kboot.harness.parse;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kboot.harness.Captured;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every text parser, fed every captured file cut at many points and with bytes flipped, returns
 * results and never throws: bad input becomes ERROR or MISS results, not exceptions.
 */
class NeverThrowsTest {
    private static final List<Function<String, List<TestResult>>> PARSERS = List.of(
            KselftestParser::parse,
            KunitParser::parse,
            t -> Located.results(KtapResults.results(KtapParser.parse(t), "ktap", 2)),
            LtpParser::parseKirkJson,
            LtpParser::parseRunltpLog,
            BlktestsParser::parseCheckOutput,
            t -> List.of(BlktestsParser.parseRecord(TestId.of("blktests", "x"), t)),
            t -> FstestsParser.parseXunit(new ByteArrayInputStream(t.getBytes(StandardCharsets.UTF_8)), null).results());

    private static List<String> inputs() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Captured.path("kselftest").getParent())) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".md")).sorted().toList()) {
                out.add(Lines.decode(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    @Test
    void cutAndCorruptedInputGivesResultsNotExceptions() throws IOException {
        Random random = new Random(20261122L);
        int runs = 0;
        for (String text : inputs()) {
            List<String> variants = new ArrayList<>();
            for (int k = 1; k <= 12; k++) {
                variants.add(text.substring(0, text.length() * k / 13));
            }
            char[] c = text.toCharArray();
            for (int k = 0; k < Math.min(40, c.length); k++) {
                int i = random.nextInt(c.length);
                String pool = "\n#<>{}\"\t ok1.[";
                c[i] = pool.charAt(random.nextInt(pool.length()));
            }
            variants.add(new String(c));
            variants.add("\u0000\u0001\ufffd" + text);
            for (String v : variants) {
                for (Function<String, List<TestResult>> p : PARSERS) {
                    List<TestResult> r = p.apply(v);
                    assertFalse(r.isEmpty(), "a parser returned nothing");
                    runs++;
                }
            }
        }
        assertFalse(runs < 1000, "only " + runs + " parses");
    }
}
