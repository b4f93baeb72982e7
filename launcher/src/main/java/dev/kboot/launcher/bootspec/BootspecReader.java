package dev.kboot.launcher.bootspec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.jr.ob.JSON;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads NixOS bootspec v1 documents (RFC 0125) with Jackson (jackson-jr), strictly: required
 * keys and their types are checked, extension keys are kept, and the legacy drafts
 * ({@code "v1": {...}}, {@code "schemaVersion": 1}, {@code boot.v1.json}) are refused rather
 * than guessed at.
 *
 * <p>Every error is a {@link KbootException} with exit 65 naming the file, the key (as a dotted
 * path) and what was expected.
 */
public final class BootspecReader {
    private static final JSON PARSER = JSON.std.with(JSON.Feature.PRESERVE_FIELD_ORDERING, JSON.Feature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final List<String> REQUIRED_STRINGS = List.of("init", "kernel", "label", "system", "toplevel");

    private BootspecReader() {
    }

    /**
     * Reads {@code file} as a bootspec document.
     *
     * @param file a boot.json
     * @return the bootspec with its specialisations
     * @throws KbootException exit 66 when the file cannot be read, exit 65 when it is malformed
     */
    public static Bootspec read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw KbootException.missing("bootspec", file);
        }
        return parse(file, bytes);
    }

    /**
     * Parses bootspec JSON.
     *
     * @param file  the file it came from, for messages
     * @param bytes its content
     * @throws KbootException exit 65 when malformed
     */
    public static Bootspec parse(Path file, byte[] bytes) {
        if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            throw KbootException.badInput(file, null, "empty file (expected a JSON object with key '" + Bootspec.V1 + "')");
        }
        Object root;
        try {
            root = PARSER.anyFrom(bytes);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String at = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw KbootException.badInput(file, null, "malformed JSON" + at + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw KbootException.badInput(file, null, "malformed JSON: " + e.getMessage());
        }
        if (root == null) {
            throw KbootException.badInput(file, null, "empty file (expected a JSON object with key '" + Bootspec.V1 + "')");
        }
        return parseDocument(file, root, "");
    }

    /**
     * Parses one document (also used for each specialisation).
     *
     * @param file   the file the document came from, for messages
     * @param doc    the document as parsed JSON
     * @param prefix the dotted key path of {@code doc} within the file ("" at the top)
     */
    @SuppressWarnings("unchecked")
    static Bootspec parseDocument(Path file, Object doc, String prefix) {
        if (!(doc instanceof Map)) {
            throw KbootException.badInput(file, prefix.isEmpty() ? null : prefix.substring(0, prefix.length() - 1),
                    "expected a JSON object, found " + kind(doc));
        }
        Map<String, Object> root = (Map<String, Object>) doc;
        if (!root.containsKey(Bootspec.V1)) {
            if (root.containsKey("v1") || root.containsKey("schemaVersion")) {
                throw KbootException.badInput(file, prefix + (root.containsKey("v1") ? "v1" : "schemaVersion"),
                        "a pre-RFC draft bootspec (boot.v1.json era); only '" + Bootspec.V1 + "' is supported: rebuild the closure with a current nixpkgs");
            }
            throw KbootException.badInput(file, prefix + Bootspec.V1, "missing (expected a NixOS bootspec v1 document)");
        }
        Object v1Raw = root.get(Bootspec.V1);
        String v1Path = prefix + Bootspec.V1;
        if (!(v1Raw instanceof Map)) {
            throw KbootException.badInput(file, v1Path, "expected an object, found " + kind(v1Raw));
        }
        Map<String, Object> v1 = (Map<String, Object>) v1Raw;
        Map<String, String> strings = new LinkedHashMap<>();
        for (String key : REQUIRED_STRINGS) {
            strings.put(key, requiredString(file, v1, v1Path, key));
        }
        if (!v1.containsKey("kernelParams")) {
            throw KbootException.badInput(file, v1Path + ".kernelParams", "missing (expected an array of strings)");
        }
        Object params = v1.get("kernelParams");
        if (!(params instanceof List)) {
            throw KbootException.badInput(file, v1Path + ".kernelParams", "expected an array of strings, found " + kind(params));
        }
        List<String> kernelParams = new ArrayList<>();
        List<Object> list = (List<Object>) params;
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String p)) {
                throw KbootException.badInput(file, v1Path + ".kernelParams[" + i + "]", "expected a string, found " + kind(list.get(i)));
            }
            kernelParams.add(p);
        }
        for (String key : List.of("init", "kernel", "toplevel")) {
            if (!strings.get(key).startsWith("/")) {
                throw KbootException.badInput(file, v1Path + "." + key, "expected an absolute store path, found '" + strings.get(key) + "'");
            }
        }
        Optional<String> initrd = optionalString(file, v1, v1Path, "initrd");
        Optional<String> secrets = optionalString(file, v1, v1Path, "initrdSecrets");

        Map<String, Object> extensions = new LinkedHashMap<>();
        Map<String, Bootspec> specialisations = new LinkedHashMap<>();
        for (var e : root.entrySet()) {
            if (e.getKey().equals(Bootspec.V1)) {
                continue;
            }
            if (e.getKey().equals(Bootspec.SPECIALISATIONS)) {
                String specPath = prefix + Bootspec.SPECIALISATIONS;
                if (!(e.getValue() instanceof Map)) {
                    throw KbootException.badInput(file, specPath, "expected an object mapping names to bootspec documents, found " + kind(e.getValue()));
                }
                for (var spec : ((Map<String, Object>) e.getValue()).entrySet()) {
                    specialisations.put(spec.getKey(), parseDocument(file, spec.getValue(), specPath + "." + spec.getKey() + "."));
                }
            } else {
                extensions.put(e.getKey(), e.getValue());
            }
        }
        return new Bootspec(file, strings.get("init"), initrd, secrets, strings.get("kernel"), List.copyOf(kernelParams),
                strings.get("label"), strings.get("system"), strings.get("toplevel"),
                Collections.unmodifiableMap(extensions), Collections.unmodifiableMap(specialisations));
    }

    private static String requiredString(Path file, Map<String, Object> obj, String path, String key) {
        if (!obj.containsKey(key)) {
            throw KbootException.badInput(file, path + "." + key, "missing (expected a string)");
        }
        Object n = obj.get(key);
        if (!(n instanceof String s)) {
            throw KbootException.badInput(file, path + "." + key, "expected a string, found " + kind(n));
        }
        if (s.isEmpty()) {
            throw KbootException.badInput(file, path + "." + key, "expected a non-empty string");
        }
        return s;
    }

    private static Optional<String> optionalString(Path file, Map<String, Object> obj, String path, String key) {
        Object n = obj.get(key);
        if (n == null) {
            return Optional.empty();
        }
        if (!(n instanceof String s)) {
            throw KbootException.badInput(file, path + "." + key, "expected a string, found " + kind(n));
        }
        return Optional.of(s);
    }

    /** @return a short description of a JSON value's type for messages, e.g. "a number (3)" */
    static String kind(Object n) {
        if (n == null) return "null";
        if (n instanceof String) return "a string";
        if (n instanceof Number) return "a number (" + n + ")";
        if (n instanceof Boolean) return "a boolean (" + n + ")";
        if (n instanceof List) return "an array";
        if (n instanceof Map) return "an object";
        return n.getClass().getSimpleName();
    }
}
