package dev.kboot.harness.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A suite descriptor: what a guest system says about a test suite installed in it, read from
 * {@code /etc/kboot/suites/<suite>.json} in the guest. Schema {@code kboot-suite/1}, documented in
 * docs/nix.md ("Suite descriptors"); written by the NixOS modules testsuites/*.nix and by the
 * sample closure, both through {@code nix/lib/suites.nix}. A guest without one is searched with the
 * suite's {@code search} list (testsuites/SUITE.yaml).
 *
 * <pre>
 * {"schema": "kboot-suite/1", "suite": "fstests", "dir": "/var/lib/xfstests",
 *  "config": "/var/lib/xfstests/local.config", "sections": ["xfs"],
 *  "devices": ["/dev/vdb", "/dev/vdc"], "env": {"FSTYP": "xfs"}, "logs": ["/var/lib/xfstests/results"]}
 * </pre>
 *
 * Within major version 1 fields are only ever added: a reader accepts {@code kboot-suite/1} and
 * {@code kboot-suite/1.x} and ignores keys it does not know.
 *
 * @param suite    kboot's suite name (kselftest, fstests, blktests, ltp)
 * @param dir      absolute path of the directory holding the suite's runner program
 * @param config   the suite's configuration file, when it has one (informational)
 * @param sections fstests configuration sections ({@code ./check -s NAME}); empty for other suites
 * @param devices  block devices the suite's configuration uses; kboot checks they exist first
 * @param env      environment variables for the suite's runner, applied before the profile's {@code env}
 * @param logs     where the suite writes logs when run outside kboot (the monitoring profile collects them)
 */
public record SuiteDescriptor(String suite, String dir, Optional<String> config, List<String> sections,
        List<String> devices, Map<String, String> env, List<String> logs) {

    /** The directory holding the descriptors in a guest. */
    public static final String DIRECTORY = "/etc/kboot/suites";

    /** The schema this reader writes and accepts (and its 1.x additions). */
    public static final String SCHEMA = "kboot-suite/1";

    /** Every key of schema 1, in nix/lib/suites.nix's order (a test compares the two lists). */
    public static final List<String> FIELDS = List.of("schema", "suite", "dir", "config", "sections", "devices", "env", "logs");

    private static final ObjectMapper JSON = new ObjectMapper();

    public SuiteDescriptor {
        sections = List.copyOf(sections);
        devices = List.copyOf(devices);
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        logs = List.copyOf(logs);
    }

    /** @return the guest path of a suite's descriptor */
    public static String path(String suite) {
        return DIRECTORY + "/" + suite + ".json";
    }

    /**
     * Reads the suite's descriptor from the guest, through the agent.
     *
     * @param guest the booted guest
     * @param suite kboot's suite name
     * @return the descriptor, or empty when the guest has none
     * @throws KbootException 65 for a descriptor that is not schema kboot-suite/1 (naming the key)
     */
    public static Optional<SuiteDescriptor> read(Guest guest, String suite) {
        String path = path(suite);
        ExecResult r = guest.exec("[ -e " + path + " ] || exit 3; cat " + path, Duration.ofMinutes(1));
        if (r.ending() == ExecResult.Ending.EXITED && r.status() == 3) {
            return Optional.empty();
        }
        if (!r.succeeded()) {
            throw KbootException.badInput(source(path), null, "cannot be read in the guest (" + r.describe() + "): " + r.err().strip());
        }
        return Optional.of(parse(r.out(), suite, path));
    }

    /**
     * Parses a descriptor.
     *
     * @param json  the file's text
     * @param suite the suite it must describe
     * @param path  the file's path in the guest, for messages
     * @throws KbootException 65 naming the file, the key and what was expected
     */
    public static SuiteDescriptor parse(String json, String suite, String path) {
        Path file = source(path);
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw KbootException.badInput(file, null, "malformed JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw KbootException.badInput(file, null, "expected a JSON object (schema " + SCHEMA + ")");
        }
        String schema = text(n, "schema", file, true);
        if (!schema.equals(SCHEMA) && !schema.startsWith(SCHEMA + ".")) {
            throw KbootException.badInput(file, "schema", "expected " + SCHEMA + ", found '" + schema + "'");
        }
        String s = text(n, "suite", file, true);
        if (!s.equals(suite)) {
            throw KbootException.badInput(file, "suite", "expected '" + suite + "', found '" + s + "'");
        }
        String dir = absolute(text(n, "dir", file, true), "dir", file);
        String config = text(n, "config", file, false);
        List<String> devices = strings(n, "devices", file);
        for (int i = 0; i < devices.size(); i++) {
            absolute(devices.get(i), "devices[" + i + "]", file);
        }
        List<String> logs = strings(n, "logs", file);
        for (int i = 0; i < logs.size(); i++) {
            absolute(logs.get(i), "logs[" + i + "]", file);
        }
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = n.get("env");
        if (e != null && !e.isNull()) {
            if (!e.isObject()) {
                throw KbootException.badInput(file, "env", "expected an object of strings, found " + e.getNodeType().name().toLowerCase());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!f.getValue().isTextual()) {
                    throw KbootException.badInput(file, "env." + f.getKey(), "expected a string, found " + f.getValue().getNodeType().name().toLowerCase());
                }
                if (!f.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw KbootException.badInput(file, "env." + f.getKey(), "expected an environment variable name");
                }
                env.put(f.getKey(), f.getValue().asText());
            }
        }
        return new SuiteDescriptor(s, dir, Optional.ofNullable(config).map(c -> absolute(c, "config", file)),
                strings(n, "sections", file), devices, env, logs);
    }

    /** @return {@link #env} as {@code VAR=value} words, in the file's order */
    public List<String> envWords() {
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    private static Path source(String path) {
        return Path.of("guest:" + path);
    }

    private static String text(JsonNode n, String key, Path file, boolean required) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw KbootException.badInput(file, key, "missing (schema " + SCHEMA + " requires it)");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw KbootException.badInput(file, key, "expected a string, found " + v.getNodeType().name().toLowerCase());
        }
        return v.asText();
    }

    private static String absolute(String p, String key, Path file) {
        if (!p.startsWith("/")) {
            throw KbootException.badInput(file, key, "expected an absolute path, found '" + p + "'");
        }
        return p;
    }

    private static List<String> strings(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw KbootException.badInput(file, key, "expected a list of strings, found " + v.getNodeType().name().toLowerCase());
        }
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw KbootException.badInput(file, key + "[" + i + "]", "expected a string, found " + v.get(i).getNodeType().name().toLowerCase());
            }
            out.add(v.get(i).asText());
        }
        return out;
    }
}
