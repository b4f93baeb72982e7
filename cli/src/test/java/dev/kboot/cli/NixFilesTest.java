package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Nix side parses (nix-instantiate --parse, from Debian's nix-bin). nixpkgs cannot be
 * fetched here, so the modules are not evaluated: this catches syntax, not semantics.
 */
class NixFilesTest {
    @Test
    void everyNixFileParses() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Stream.concat(Stream.of(KbootProcess.REPO.resolve("flake.nix")),
                Files.walk(KbootProcess.REPO.resolve("nix")).filter(p -> p.toString().endsWith(".nix")))) {
            files = s.toList();
        }
        assertFalse(files.size() < 4, "flake.nix and the modules: " + files);
        for (Path f : files) {
            Process p = new ProcessBuilder("nix-instantiate", "--parse", f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), f + ":\n" + out);
        }
    }
}
