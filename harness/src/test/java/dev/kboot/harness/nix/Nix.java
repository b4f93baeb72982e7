package dev.kboot.harness.nix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Debian's nix-instantiate (nix-bin, installed by scripts/setup.sh) for the tests of the Nix side:
 * parse-only, and pure evaluation with no store (the dummy store) and no nixpkgs.
 */
public final class Nix {
    /** The repository's root. */
    public static final Path REPO = Paths.get(System.getProperty("kboot.repo", "..")).toAbsolutePath().normalize();

    private static final ObjectMapper JSON = new ObjectMapper();

    private Nix() {
    }

    /** The result of one nix-instantiate. */
    public record Run(int status, String out, String err) {
    }

    /** Runs nix-instantiate with the dummy store (nothing is built or copied) and the given arguments. */
    public static Run run(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("nix-instantiate", "--store", "dummy://", "--option", "build-users-group", ""));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(REPO.toFile()).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        return new Run(p.waitFor(), out, err.join());
    }

    /** Evaluates {@code --eval --strict --json} and parses the JSON; fails the test on an error. */
    public static JsonNode eval(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("--eval", "--strict", "--json"));
        argv.addAll(List.of(args));
        Run r = run(argv.toArray(String[]::new));
        assertEquals(0, r.status(), "nix-instantiate " + String.join(" ", argv) + ":\n" + r.err());
        return JSON.readTree(r.out());
    }

    /** Evaluates one attribute of nix/tests/eval.nix (the flake and modules against the stubs). */
    public static JsonNode stub(String attr) throws IOException, InterruptedException {
        return eval("nix/tests/eval.nix", "-A", attr);
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
