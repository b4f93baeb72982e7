package dev.kboot.harness.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** junit.xml's {@code time} attribute: the formatter-free seconds print what {@code %.3f} prints. */
class JunitXmlSecondsTest {
    @Property
    void sameAsTheFormatter(@ForAll @LongRange(min = -10_000_000_000L, max = 10_000_000_000L) long ms) {
        assertEquals(String.format(Locale.ROOT, "%.3f", ms / 1000.0), JunitXml.seconds(ms));
    }

    @Test
    void edges() {
        for (long ms : new long[] {0, 1, 9, 10, 99, 100, 999, 1000, 1001, 59_999, 86_400_000, -1, -999, -1000, -1001}) {
            assertEquals(String.format(Locale.ROOT, "%.3f", ms / 1000.0), JunitXml.seconds(ms), Long.toString(ms));
        }
    }
}
