package dev.kboot.harness.parse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Text helpers shared by the parsers: decoding, line splitting, console prefix stripping. */
public final class Lines {
    /**
     * A kernel console prefix: a printk timestamp {@code [   12.345678] }, optionally followed by a
     * caller id {@code [    T1]} (CONFIG_PRINTK_CALLER), and one separating space.
     */
    private static final Pattern PREFIX = Pattern.compile("^\\[\\s*\\d+\\.\\d+\\](?:\\[\\s*[CT]\\d+\\])? ?");
    /** A syslog level prefix as /dev/kmsg and {@code dmesg -r} show it: {@code <6>}. */
    private static final Pattern LEVEL = Pattern.compile("^<\\d>");

    private Lines() {
    }

    /**
     * Decodes bytes as UTF-8, replacing invalid sequences (console logs carry garbage bytes).
     *
     * @param in a stream, read to its end (not closed)
     * @return the text
     * @throws UncheckedIOException if reading fails
     */
    public static String read(InputStream in) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return decode(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the bytes decoded as UTF-8, invalid sequences replaced by U+FFFD */
    public static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /**
     * Splits text at {@code \n}, {@code \r\n} or {@code \r}; a final line without a newline is kept, a
     * trailing empty line is not.
     *
     * @param text any text
     * @return the lines, without their endings
     */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                out.add(text.substring(start, i));
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < n) {
            out.add(text.substring(start));
        }
        return out;
    }

    /**
     * Strips a kernel console prefix ({@code [   12.345678] }, {@code [    0.06][    T1] }, {@code <6>})
     * from a line, keeping the indentation after it.
     *
     * @param line a console line
     * @return the line without the prefix (the line itself if it has none)
     */
    public static String stripConsolePrefix(String line) {
        String l = LEVEL.matcher(line).replaceFirst("");
        return PREFIX.matcher(l).replaceFirst("");
    }

    /** @return whether the line starts with a kernel console timestamp */
    public static boolean hasConsolePrefix(String line) {
        return PREFIX.matcher(LEVEL.matcher(line).replaceFirst("")).find();
    }

    /** @return lines {@code from} to {@code to} inclusive, clamped to the list, joined with newlines */
    public static String join(List<String> lines, int from, int to) {
        if (from < 0 || lines.isEmpty()) {
            return "";
        }
        int a = Math.max(0, from);
        int b = Math.min(lines.size() - 1, to);
        if (a > b) {
            return "";
        }
        return String.join("\n", lines.subList(a, b + 1));
    }
}
