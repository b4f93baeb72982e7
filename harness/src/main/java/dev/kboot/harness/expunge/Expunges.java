package dev.kboot.harness.expunge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An expunge file: a YAML list of known failures and tests not to run, read with Jackson YAML.
 *
 * <pre>
 * expunges:                       # or the list alone at the top
 *   - suite: kselftest            # required
 *     tests: [timers/rtcpie, "breakpoints/*"]   # required: ids below the suite, coll:test, or globs
 *     profile: quick              # optional: only this suite profile
 *     kernel: '^6\.1\.'           # optional: a regex searched in the kernel release
 *     action: skip                # required: skip | xfail
 *     reason: no RTC in QEMU      # required
 *     bug: https://bugzilla...    # optional
 * </pre>
 *
 * A malformed file is a {@link KbootException} with exit status 65 naming the file, the field
 * ({@code expunges[2].action}) and what was expected; a missing file is exit status 66.
 */
public final class Expunges {
    private static final Set<String> FIELDS = Set.of("suite", "tests", "profile", "kernel", "action", "reason", "bug");
    private final List<ExpungeEntry> entries;

    private Expunges(List<ExpungeEntry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** @return an empty expunge list */
    public static Expunges none() {
        return new Expunges(List.of());
    }

    /** @return expunges made of these entries */
    public static Expunges of(List<ExpungeEntry> entries) {
        return new Expunges(entries);
    }

    /**
     * @param file the YAML file
     * @return its entries
     * @throws KbootException exit 66 if the file is missing, 65 if it is malformed
     */
    public static Expunges load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw KbootException.missing("expunge file", file);
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw KbootException.missing("expunge file (unreadable: " + e.getMessage() + ")", file);
        }
        return parse(text, file);
    }

    /**
     * @param yaml the file's text
     * @param file the file's name, for messages
     * @return its entries
     * @throws KbootException exit 65 naming file, field and what was expected if it is malformed
     */
    public static Expunges parse(String yaml, Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw KbootException.badInput(file, null, "expected YAML, found a syntax error: " + msg);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return none();
        }
        JsonNode list = root;
        String prefix = "";
        if (root.isObject()) {
            Iterator<String> names = root.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                if (!n.equals("expunges")) {
                    throw KbootException.badInput(file, n, "expected only the key 'expunges'");
                }
            }
            list = root.get("expunges");
            prefix = "expunges";
            if (list == null || list.isNull()) {
                return none();
            }
        }
        if (!list.isArray()) {
            throw KbootException.badInput(file, prefix.isEmpty() ? null : prefix, "expected a list of entries, found " + kind(list));
        }
        List<ExpungeEntry> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(entry(list.get(i), i, (prefix.isEmpty() ? "" : prefix) + "[" + i + "]", file));
        }
        return new Expunges(out);
    }

    private static ExpungeEntry entry(JsonNode n, int index, String at, Path file) {
        if (!n.isObject()) {
            throw KbootException.badInput(file, at, "expected a mapping with suite, tests, action and reason, found " + kind(n));
        }
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!FIELDS.contains(f)) {
                throw KbootException.badInput(file, at + "." + f, "unknown field; expected one of suite, tests, profile, kernel, action, reason, bug");
            }
        }
        String suite = string(n, "suite", at, file, true);
        JsonNode tests = n.get("tests");
        List<String> ids = new ArrayList<>();
        if (tests == null || tests.isNull()) {
            throw KbootException.badInput(file, at + ".tests", "expected a list of test ids or globs, found nothing");
        }
        if (tests.isTextual()) {
            ids.add(tests.asText());
        } else if (tests.isArray() && tests.size() > 0) {
            for (int k = 0; k < tests.size(); k++) {
                JsonNode t = tests.get(k);
                if (!t.isTextual() || t.asText().isBlank()) {
                    throw KbootException.badInput(file, at + ".tests[" + k + "]", "expected a test id or glob (a string), found " + kind(t));
                }
                ids.add(t.asText().strip());
            }
        } else {
            throw KbootException.badInput(file, at + ".tests", "expected a non-empty list of test ids or globs, found " + kind(tests));
        }
        String profile = string(n, "profile", at, file, false);
        String kernel = string(n, "kernel", at, file, false);
        Pattern kp = null;
        if (kernel != null) {
            try {
                kp = Pattern.compile(kernel);
            } catch (PatternSyntaxException e) {
                throw KbootException.badInput(file, at + ".kernel", "expected a regular expression over the kernel release, found '"
                        + kernel + "' (" + e.getDescription() + ")");
            }
        }
        String action = string(n, "action", at, file, true);
        Action a;
        try {
            a = Action.valueOf(action.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw KbootException.badInput(file, at + ".action", "expected skip or xfail, found '" + action + "'");
        }
        String reason = string(n, "reason", at, file, true);
        String bug = string(n, "bug", at, file, false);
        return new ExpungeEntry(index, suite, ids, profile, kp, a, reason, bug);
    }

    private static String string(JsonNode n, String field, String at, Path file, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw KbootException.badInput(file, at + "." + field, "expected a string, found nothing");
            }
            return null;
        }
        if (!v.isValueNode() || v.asText().isBlank()) {
            throw KbootException.badInput(file, at + "." + field, "expected a non-empty string, found " + kind(v));
        }
        return v.asText().strip();
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isNull()) {
            return "nothing";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        return "'" + n.asText() + "'";
    }

    /** @return every entry, in file order */
    public List<ExpungeEntry> entries() {
        return entries;
    }

    /**
     * @param suite         the suite being run
     * @param profile       its profile, or null
     * @param kernelRelease the kernel release, or null when unknown
     * @return the entries that apply to that run
     */
    public SuiteExpunges forRun(String suite, String profile, String kernelRelease) {
        return new SuiteExpunges(suite, entries.stream().filter(e -> e.appliesTo(suite, profile, kernelRelease)).toList());
    }
}
