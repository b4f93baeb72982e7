package dev.kboot.launcher;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of the human units kboot's options take: durations and memory sizes. */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);

    private Units() {
    }

    /**
     * Parses a duration such as {@code 500ms}, {@code 90s}, {@code 90} (seconds), {@code 5m},
     * {@code 1.5h}.
     *
     * @param option the option name, for the error message
     * @param text   the value given
     * @return the duration, at least 1 ms
     * @throws KbootException (exit 64) naming the option and the accepted forms
     */
    public static Duration duration(String option, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw KbootException.usage(option + ": '" + text + "' is not a duration (expected e.g. 500ms, 90s, 5m, 1h)");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = switch (unit) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
        };
        if (ms < 1) {
            throw KbootException.usage(option + ": '" + text + "' must be at least 1ms");
        }
        return Duration.ofMillis((long) ms);
    }

    /**
     * Parses a memory size as QEMU's {@code -m} does: {@code 1G}, {@code 512M}, {@code 2GiB};
     * a bare number means MiB.
     *
     * @param option the option name, for the error message
     * @param text   the value given
     * @return the size in bytes, a whole number of MiB and at least 64 MiB
     * @throws KbootException (exit 64) naming the option and the accepted forms
     */
    public static long memoryBytes(String option, String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw KbootException.usage(option + ": '" + text + "' is not a size (expected e.g. 512M, 1G, 2GiB)");
        }
        long n = Long.parseLong(m.group(1));
        long bytes = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> n << 10;
            case "G" -> n << 30;
            case "T" -> n << 40;
            default -> n << 20;
        };
        if (bytes < (64L << 20) || bytes % (1L << 20) != 0) {
            throw KbootException.usage(option + ": '" + text + "' must be a whole number of MiB, at least 64M");
        }
        return bytes;
    }

    /** Formats a byte count the way QEMU's {@code -m} and memory backends take it: {@code 1024M}. */
    public static String qemuMegabytes(long bytes) {
        return (bytes >> 20) + "M";
    }
}
