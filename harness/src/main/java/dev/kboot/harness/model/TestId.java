package dev.kboot.harness.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A test's hierarchical id: the suite, then the suite's own levels down to the test, e.g.
 * {@code kselftest/timers/nanosleep}, {@code kunit/string-stream-test/string_stream_test_get_string},
 * {@code fstests/global/generic/001}, {@code ltp/syscalls/abort01}. Its text form joins the segments
 * with {@code /} (a segment may itself contain {@code /}, as fstests names do; the segments, not the
 * text, are the identity).
 *
 * @param segments the suite first; at least one segment, none empty
 */
public record TestId(List<String> segments) implements Comparable<TestId> {
    /** Validates and copies the segments. */
    public TestId {
        Objects.requireNonNull(segments, "segments");
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a test id needs at least the suite");
        }
        for (String s : segments) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("empty segment in test id " + segments);
            }
        }
        segments = List.copyOf(segments);
    }

    /**
     * @param suite the suite ({@code kselftest})
     * @param path  the levels below it ({@code timers}, {@code nanosleep}); blank levels are dropped
     * @return the id
     */
    public static TestId of(String suite, String... path) {
        List<String> s = new ArrayList<>();
        s.add(suite);
        for (String p : path) {
            if (p != null && !p.isBlank()) {
                s.add(p.strip());
            }
        }
        return new TestId(s);
    }

    /**
     * @param text an id's text form, {@code suite/level/.../test}
     * @return the id, split at every {@code /}
     * @throws IllegalArgumentException if the text is blank or has an empty segment
     */
    public static TestId parse(String text) {
        return new TestId(List.of(text.split("/", -1)));
    }

    /** @return the suite, the first segment */
    public String suite() {
        return segments.get(0);
    }

    /** @return the id below the suite ({@code timers/nanosleep}), or the suite alone if there is nothing below */
    public String local() {
        return segments.size() == 1 ? segments.get(0) : String.join("/", segments.subList(1, segments.size()));
    }

    /** @return the last segment, the test's own name */
    public String name() {
        return segments.get(segments.size() - 1);
    }

    /** @return a child id with one more segment */
    public TestId child(String segment) {
        List<String> s = new ArrayList<>(segments);
        s.add(segment);
        return new TestId(s);
    }

    /** Orders ids by their text form. */
    @Override
    public int compareTo(TestId o) {
        return toString().compareTo(o.toString());
    }

    /** @return the segments joined with {@code /} */
    @Override
    public String toString() {
        return String.join("/", segments);
    }
}
