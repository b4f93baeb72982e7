package dev.kboot.launcher.doctor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a kernel's modules directory says ({@code <dir>/<release>/}, as {@code depmod} writes it):
 * {@code modules.builtin} lists the modules built into the kernel ({@code kernel/fs/fuse/fuse.ko}),
 * {@code modules.dep} the loadable ones with their dependencies
 * ({@code kernel/fs/fuse/virtiofs.ko.xz: kernel/fs/fuse/fuse.ko.xz ...}). Module names are
 * compared as the kernel does: the file name without {@code .ko[.xz|.zst|.gz]}, with {@code -} as
 * {@code _}.
 *
 * @param dir     the release directory read, or null when there is none
 * @param builtin names of built-in modules
 * @param deps    loadable module name to the names of the modules it needs
 * @param depFile whether {@code modules.dep} exists (without it the guest's modprobe cannot load
 *                anything: the loadable modules are then the {@code .ko} files found, without
 *                dependencies)
 */
public record ModulesIndex(Path dir, Set<String> builtin, Map<String, List<String>> deps, boolean depFile) {
    /** Copies the collections. */
    public ModulesIndex {
        builtin = Set.copyOf(builtin);
        deps = Map.copyOf(deps);
    }

    /** @return an index that knows nothing (no modules directory) */
    public static ModulesIndex none() {
        return new ModulesIndex(null, Set.of(), Map.of(), false);
    }

    /**
     * Reads {@code root/release/modules.builtin} and {@code modules.dep}; a missing file counts as
     * empty.
     *
     * @param root    the directory holding {@code <release>/} (what kboot shares as {@code modules})
     * @param release the kernel release
     * @return the index
     */
    public static ModulesIndex read(Path root, String release) {
        Path dir = root.resolve(release);
        Set<String> builtin = new HashSet<>();
        Map<String, List<String>> deps = new HashMap<>();
        for (String l : lines(dir.resolve("modules.builtin"))) {
            if (!l.isBlank()) {
                builtin.add(name(l.strip()));
            }
        }
        for (String l : lines(dir.resolve("modules.dep"))) {
            int colon = l.indexOf(':');
            if (colon > 0) {
                String rest = l.substring(colon + 1).strip();
                deps.put(name(l.substring(0, colon)), rest.isEmpty() ? List.of()
                        : java.util.Arrays.stream(rest.split("\\s+")).map(ModulesIndex::name).toList());
            }
        }
        boolean depFile = Files.isRegularFile(dir.resolve("modules.dep"));
        if (!depFile && Files.isDirectory(dir)) {
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                files.map(p -> p.getFileName().toString()).filter(ModulesIndex::isModuleFile).forEach(f -> deps.put(name(f), List.of()));
            } catch (IOException | java.io.UncheckedIOException e) {
                // what was listed is kept
            }
        }
        return new ModulesIndex(Files.isDirectory(dir) ? dir : null, builtin, deps, depFile);
    }

    /** @return whether {@code module} is built into the kernel */
    public boolean isBuiltin(String module) {
        return builtin.contains(module);
    }

    /** @return whether {@code module} is a loadable module in this directory */
    public boolean isLoadable(String module) {
        return deps.containsKey(module);
    }

    /**
     * @param module a loadable module
     * @return it and every module it needs, dependencies first; just the module when it is unknown
     */
    public List<String> withDependencies(String module) {
        Set<String> out = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(module));
        while (!todo.isEmpty()) {
            String m = todo.pop();
            if (out.add(m)) {
                todo.addAll(deps.getOrDefault(m, List.of()));
            }
        }
        List<String> l = new java.util.ArrayList<>(out);
        java.util.Collections.reverse(l);
        return l;
    }

    /** @return the module name of a path: {@code kernel/fs/fuse/virtiofs.ko.xz} is {@code virtiofs} */
    public static String name(String path) {
        String n = path.substring(path.lastIndexOf('/') + 1);
        int ko = n.indexOf(".ko");
        return (ko > 0 ? n.substring(0, ko) : n).replace('-', '_');
    }

    /** @return whether a file name is a kernel module ({@code .ko}, {@code .ko.xz}, {@code .ko.zst}, {@code .ko.gz}) */
    public static boolean isModuleFile(String path) {
        return path.endsWith(".ko") || path.endsWith(".ko.xz") || path.endsWith(".ko.zst") || path.endsWith(".ko.gz");
    }

    /** @return the directory, if there is one */
    public Optional<Path> directory() {
        return Optional.ofNullable(dir);
    }

    private static List<String> lines(Path f) {
        try {
            return Files.isRegularFile(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
