package dev.kboot.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The captured suite output under src/test/resources/captured (see its README.md for sources). */
public final class Captured {
    private Captured() {
    }

    /** @return the path of {@code captured/NAME} */
    public static Path path(String name) {
        URL u = Captured.class.getResource("/captured/" + name);
        if (u == null) {
            throw new IllegalArgumentException("no captured file " + name);
        }
        try {
            return Path.of(u.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the text of {@code captured/NAME} */
    public static String text(String name) {
        try {
            return Files.readString(path(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
