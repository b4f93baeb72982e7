package dev.kboot.launcher;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.zeroturnaround.exec.InvalidExitValueException;
import org.zeroturnaround.exec.ProcessExecutor;

/**
 * Runs short probe commands of host tools ({@code qemu --version}, {@code virtiofsd --help})
 * with zt-exec, and caches their output per tool binary (path, size, mtime) in
 * {@code $XDG_CACHE_HOME/kboot/probes.json}, so that a boot does not pay for them again.
 */
public final class ToolProbe {
    private static Map<String, Object> entries;

    private ToolProbe() {
    }

    /** @return kboot's cache directory ({@code $XDG_CACHE_HOME/kboot} or {@code ~/.cache/kboot}) */
    public static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("kboot");
    }

    /**
     * Runs {@code binary args...} (stdout and stderr together), at most 10 s, and caches the
     * output under the binary's identity.
     *
     * @param binary an executable
     * @param args   its arguments
     * @return the combined output, whatever the exit status
     * @throws KbootException exit 69 when the binary cannot be run or hangs
     */
    public static String output(Path binary, String... args) {
        String key = identity(binary) + " " + String.join(" ", args);
        Path cache = cacheDir().resolve("probes.json");
        Object hit = cache(cache).get(key);
        if (hit instanceof String s) {
            return s;
        }
        String out;
        try {
            var cmd = new java.util.ArrayList<String>();
            cmd.add(binary.toString());
            cmd.addAll(List.of(args));
            out = new ProcessExecutor().command(cmd).redirectErrorStream(true).readOutput(true)
                    .timeout(10, TimeUnit.SECONDS).exitValueAny().execute().outputUTF8();
        } catch (IOException | InvalidExitValueException e) {
            throw KbootException.unavailable(binary + ": cannot run it (" + e.getMessage() + ")");
        } catch (TimeoutException e) {
            throw KbootException.unavailable(binary + " " + String.join(" ", args) + ": no answer within 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KbootException.internal("interrupted while probing " + binary, e);
        }
        synchronized (ToolProbe.class) {
            cache(cache).put(key, out);
            writeCache(cache, entries);
        }
        return out;
    }

    /**
     * Finds an executable: {@code explicit} when given, else the first of {@code names} on
     * $PATH, else the first existing of {@code fallbacks}.
     *
     * @return the executable, or empty
     */
    public static Optional<Path> find(Path explicit, List<String> names, List<String> fallbacks) {
        if (explicit != null) {
            return Optional.of(explicit);
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String name : names) {
            for (String d : path.split(":")) {
                if (d.isEmpty()) {
                    continue;
                }
                Path p = Paths.get(d, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        for (String f : fallbacks) {
            Path p = Paths.get(f);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static String identity(Path binary) {
        try {
            Path real = binary.toRealPath();
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
            return real + "|" + a.size() + "|" + a.lastModifiedTime().toMillis();
        } catch (IOException e) {
            throw KbootException.unavailable(binary + ": not found");
        }
    }

    /** The cache file, read once per process. */
    private static synchronized Map<String, Object> cache(Path cache) {
        if (entries == null) {
            entries = new LinkedHashMap<>();
            try {
                if (Files.exists(cache)) {
                    entries.putAll(JSON.std.mapFrom(cache.toFile()));
                }
            } catch (IOException e) {
                // corrupt: start again
            }
        }
        return entries;
    }

    private static void writeCache(Path cache, Map<String, Object> entries) {
        try {
            Files.createDirectories(cache.getParent());
            Path tmp = Files.createTempFile(cache.getParent(), "probes", ".tmp");
            JSON.std.write(entries, tmp.toFile());
            Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // a cache that cannot be written only costs time
        }
    }
}
