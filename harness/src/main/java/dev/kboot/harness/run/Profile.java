package dev.kboot.harness.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.Units;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * A suite's profile: what to run and how, from the suite's defaults file under testsuites/
 * ({@code testsuites/<suite>.yaml}, bundled in kboot) or from a YAML file the user names.
 *
 * <p>Shape of a defaults file:
 * <pre>
 * suite: kselftest
 * search: [/run/current-system/sw/lib/kselftest, ...]   # where the suite may be installed in the guest
 * profiles:
 *   default: { description: ..., test-timeout: 300s, ... suite-specific keys ... }
 * </pre>
 * A user's file is one profile: its keys at the top level ({@code tests:} for the command suite).
 *
 * @param suite    the suite
 * @param name     the profile's name (a file's path for a user's file)
 * @param settings the profile's keys
 * @param search   where the suite may be installed in the guest, in order
 * @param source   where the profile came from, for messages
 */
public record Profile(String suite, String name, JsonNode settings, List<String> search, String source) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * Resolves {@code --suite SUITE[:PROFILE]}: PROFILE is a profile of the suite's defaults file
     * ("default" when absent) or, when it names an existing file, a YAML file holding one profile.
     *
     * @throws KbootException 64 for an unknown suite or profile, 65 for a malformed file, 66 for a missing one
     */
    public static Profile resolve(String suite, String profile) {
        JsonNode defaults = defaults(suite);
        List<String> search = strings(defaults.path("search"));
        if (profile != null && (profile.contains("/") || profile.endsWith(".yaml") || profile.endsWith(".yml"))) {
            Path file = Path.of(profile);
            if (!Files.isRegularFile(file)) {
                throw KbootException.missing("--suite " + suite + ":" + profile + " profile file", file);
            }
            JsonNode n;
            try {
                n = YAML.readTree(file.toFile());
            } catch (IOException e) {
                throw KbootException.badInput(file, null, "malformed YAML: " + firstLine(e.getMessage()));
            }
            if (n == null || !n.isObject()) {
                throw KbootException.badInput(file, null, "expected a YAML mapping (a profile)");
            }
            return new Profile(suite, file.toString(), n, search, file.toString());
        }
        String name = profile == null ? "default" : profile;
        JsonNode p = defaults.path("profiles").path(name);
        if (!p.isObject()) {
            List<String> names = new ArrayList<>();
            defaults.path("profiles").fieldNames().forEachRemaining(names::add);
            throw KbootException.usage("--suite " + suite + ":" + name + ": no such profile (testsuites/" + suite + ".yaml has "
                    + (names.isEmpty() ? "none" : String.join(", ", names)) + "; or name a YAML file)");
        }
        return new Profile(suite, name, p, search, "testsuites/" + suite + ".yaml, profile " + name);
    }

    /** @return the suite's bundled defaults (testsuites/SUITE.yaml) */
    static JsonNode defaults(String suite) {
        try (InputStream in = Profile.class.getResourceAsStream("/dev/kboot/harness/testsuites/" + suite + ".yaml")) {
            if (in == null) {
                return YAML.createObjectNode();
            }
            return YAML.readTree(in);
        } catch (IOException e) {
            throw KbootException.internal("bundled testsuites/" + suite + ".yaml is malformed: " + e.getMessage(), e);
        }
    }

    /** @return a string setting */
    public Optional<String> string(String key) {
        JsonNode n = settings.get(key);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asText());
    }

    /** @return a list-of-strings setting (a single string counts as a list of one); empty when absent */
    public List<String> list(String key) {
        return strings(settings.path(key));
    }

    /** @return the profile's {@code test-timeout}, if it sets one */
    public Optional<Duration> testTimeout() {
        return string("test-timeout").map(t -> duration("test-timeout", t));
    }

    /**
     * Parses a duration from this profile.
     *
     * @param key   the key it came from (a dotted path), for the message
     * @param value the text
     * @throws KbootException 65 naming the profile's file and the key
     */
    public Duration duration(String key, String value) {
        try {
            return Units.duration(key, value);
        } catch (KbootException e) {
            throw KbootException.badInput(Path.of(source), key, "expected a duration such as 90s, 5m or 1h, found '" + value + "'");
        }
    }

    /**
     * The profile's {@code durations}: how long its tests usually take, for the progress line's ETA
     * when there is no baseline ({@code durations: {timers/nanosleep: 4s, bpf/test_bpf: 3m}}, keys
     * are test ids below the suite).
     *
     * @return test id below the suite to duration; empty when the profile has none
     * @throws KbootException 65 naming the key when it is not a mapping of durations
     */
    public java.util.Map<String, Duration> durations() {
        JsonNode n = settings.get("durations");
        java.util.Map<String, Duration> out = new java.util.LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            throw KbootException.badInput(Path.of(source), "durations", "expected a mapping of test to duration such as 'timers/nanosleep: 4s'");
        }
        n.fields().forEachRemaining(e -> out.put(e.getKey(), duration("durations." + e.getKey(), e.getValue().asText())));
        return out;
    }

    /** @return the profile's {@code description}, or "" */
    public String description() {
        return string("description").orElse("");
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(n.asText());
        } else if (n.isArray()) {
            for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
                out.add(it.next().asText());
            }
        }
        return out;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
