package dev.kboot.harness.crash;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Demangles the Rust "v0" symbol names that Rust code in the kernel shows in stack traces
 * ({@code _RNvMs3_NtCshgDM7dBCdno_11rust_binder7processNtB5_7Process10update_ref} is
 * {@code <rust_binder::process::Process>::update_ref}), so that a report's title names the Rust
 * function as a developer writes it. Written from the format's specification (the rustc book's
 * "v0 Symbol Format", RFC 2603): paths ({@code C} crate roots, {@code N} nested paths, {@code M}
 * inherent impls, {@code X} trait impls, {@code Y} trait definitions, {@code I} generic arguments,
 * {@code B} back references) and the types that appear in them (basic types, references, pointers,
 * arrays, slices, tuples). Crate hashes are left out, as in rustc-demangle's alternate form.
 *
 * <p>Pure; never throws: a name it cannot read (punycode identifiers, function pointer or
 * {@code dyn} types, const generics other than integers, anything malformed) is returned unchanged.
 */
final class RustSymbols {
    private static final Map<Character, String> BASIC = Map.ofEntries(Map.entry('a', "i8"), Map.entry('b', "bool"),
            Map.entry('c', "char"), Map.entry('d', "f64"), Map.entry('e', "str"), Map.entry('f', "f32"), Map.entry('h', "u8"),
            Map.entry('i', "isize"), Map.entry('j', "usize"), Map.entry('l', "i32"), Map.entry('m', "u32"), Map.entry('n', "i128"),
            Map.entry('o', "u128"), Map.entry('s', "i16"), Map.entry('t', "u16"), Map.entry('u', "()"), Map.entry('v', "..."),
            Map.entry('x', "i64"), Map.entry('y', "u64"), Map.entry('z', "!"), Map.entry('p', "_"));
    /** Deeper nesting than this is taken for a malformed (or hostile) name. */
    private static final int MAX_DEPTH = 64;

    private RustSymbols() {
    }

    /**
     * @param symbol a function name from a stack trace
     * @return the demangled path when it is a Rust v0 symbol ({@code _R...}) this class can read, else {@code symbol} unchanged
     */
    static String demangle(String symbol) {
        if (symbol == null || !symbol.startsWith("_R") || symbol.length() > 4096) {
            return symbol;
        }
        try {
            Parser p = new Parser(symbol.substring(2));
            String out = p.path(false, 0);
            return out == null || out.isEmpty() ? symbol : out;
        } catch (RuntimeException e) {
            return symbol; // malformed: IndexOutOfBounds, NumberFormat, bad back reference
        }
    }

    /** A recursive-descent reader over the symbol after {@code _R}; positions are the ones back references count. */
    private static final class Parser {
        final String s;
        int at;

        Parser(String s) {
            this.s = s;
        }

        char peek() {
            return at < s.length() ? s.charAt(at) : '\0';
        }

        char next() {
            if (at >= s.length()) {
                throw new IllegalArgumentException("end of symbol");
            }
            return s.charAt(at++);
        }

        /** {@code _} is 0; otherwise base-62 digits then {@code _}, plus one (modulo 2^64). */
        long base62() {
            if (peek() == '_') {
                at++;
                return 0;
            }
            long v = 0;
            char c;
            while ((c = next()) != '_') {
                int d;
                if (c >= '0' && c <= '9') {
                    d = c - '0';
                } else if (c >= 'a' && c <= 'z') {
                    d = 10 + c - 'a';
                } else if (c >= 'A' && c <= 'Z') {
                    d = 36 + c - 'A';
                } else {
                    throw new IllegalArgumentException("base-62 digit");
                }
                v = v * 62 + d; // crate hashes are 64-bit and may wrap: only back references need the value, and they are checked
            }
            return v + 1;
        }

        /** An optional {@code s<base-62>} disambiguator: its value, or 0 when absent. */
        long disambiguator() {
            if (peek() == 's') {
                at++;
                return base62() + 1;
            }
            return 0;
        }

        /** {@code [s<n>] <decimal>[_]<bytes>}; punycode ({@code u}) is not read. */
        String identifier() {
            disambiguator();
            if (peek() == 'u') {
                throw new IllegalArgumentException("punycode");
            }
            return identifierAfterDisambiguator();
        }

        /** Runs {@code body} at a back reference's target, then comes back. */
        String backref(java.util.function.Supplier<String> body) {
            long target = base62();
            if (target < 0 || target >= at - 1) {
                throw new IllegalArgumentException("back reference forward");
            }
            int saved = at;
            at = (int) target;
            try {
                return body.get();
            } finally {
                at = saved;
            }
        }

        String path(boolean inType, int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("too deep");
            }
            char c = next();
            switch (c) {
                case 'C':
                    return identifier();
                case 'N': {
                    char ns = next();
                    String parent = path(inType, depth + 1);
                    long dis = disambiguator();
                    String id = identifierAfterDisambiguator();
                    if (Character.isUpperCase(ns)) {
                        String what = ns == 'C' ? "closure" : ns == 'S' ? "shim" : String.valueOf(ns);
                        return parent + "::{" + what + (id.isEmpty() ? "" : ":" + id) + "#" + dis + "}";
                    }
                    return id.isEmpty() ? parent : parent + "::" + id;
                }
                case 'M': {
                    disambiguator();
                    path(false, depth + 1); // the impl's own path: not shown
                    return "<" + type(depth + 1) + ">";
                }
                case 'X': {
                    disambiguator();
                    path(false, depth + 1);
                    String self = type(depth + 1);
                    return "<" + self + " as " + path(true, depth + 1) + ">";
                }
                case 'Y': {
                    String self = type(depth + 1);
                    return "<" + self + " as " + path(true, depth + 1) + ">";
                }
                case 'I': {
                    String base = path(inType, depth + 1);
                    List<String> args = new ArrayList<>();
                    while (peek() != 'E') {
                        args.add(genericArg(depth + 1));
                    }
                    at++;
                    return base + (inType ? "<" : "::<") + String.join(", ", args) + ">";
                }
                case 'B':
                    return backref(() -> path(inType, depth + 1));
                default:
                    throw new IllegalArgumentException("path tag " + c);
            }
        }

        /** The identifier of a nested path, whose disambiguator was already read. */
        String identifierAfterDisambiguator() {
            int start = at;
            while (Character.isDigit(peek())) {
                at++;
            }
            if (start == at) {
                throw new IllegalArgumentException("identifier length");
            }
            int n = Integer.parseInt(s.substring(start, at));
            if (peek() == '_') {
                at++;
            }
            String id = s.substring(at, at + n);
            at += n;
            return id;
        }

        String genericArg(int depth) {
            if (peek() == 'L') {
                at++;
                base62();
                return "'_";
            }
            if (peek() == 'K') {
                at++;
                return constant();
            }
            return type(depth);
        }

        /** An integer constant ({@code j2_} is 2) or a placeholder. */
        String constant() {
            if (peek() == 'p') {
                at++;
                return "_";
            }
            if (peek() == 'B') {
                at++;
                return backref(this::constant);
            }
            char t = next();
            if ("hmyotjasxlnib".indexOf(t) < 0) {
                throw new IllegalArgumentException("const type " + t);
            }
            boolean negative = peek() == 'n';
            if (negative) {
                at++;
            }
            int start = at;
            while (peek() != '_') {
                at++;
            }
            String hex = s.substring(start, at);
            at++;
            if (t == 'b') {
                return hex.equals("1") ? "true" : "false";
            }
            return (negative ? "-" : "") + (hex.isEmpty() ? "0" : new java.math.BigInteger(hex, 16).toString());
        }

        String type(int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("too deep");
            }
            char c = peek();
            String basic = BASIC.get(c);
            if (basic != null) {
                at++;
                return basic;
            }
            switch (c) {
                case 'R', 'Q': {
                    at++;
                    if (peek() == 'L') {
                        at++;
                        base62();
                    }
                    return (c == 'R' ? "&" : "&mut ") + type(depth + 1);
                }
                case 'P', 'O': {
                    at++;
                    return (c == 'P' ? "*const " : "*mut ") + type(depth + 1);
                }
                case 'A': {
                    at++;
                    String t = type(depth + 1);
                    return "[" + t + "; " + constant() + "]";
                }
                case 'S': {
                    at++;
                    return "[" + type(depth + 1) + "]";
                }
                case 'T': {
                    at++;
                    List<String> parts = new ArrayList<>();
                    while (peek() != 'E') {
                        parts.add(type(depth + 1));
                    }
                    at++;
                    return parts.size() == 1 ? "(" + parts.get(0) + ",)" : "(" + String.join(", ", parts) + ")";
                }
                case 'B': {
                    at++;
                    return backref(() -> type(depth + 1));
                }
                default:
                    return path(true, depth + 1);
            }
        }
    }
}
