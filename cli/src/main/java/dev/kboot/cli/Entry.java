package dev.kboot.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The jar's {@code Main-Class}: answers {@code kboot --version} (and {@code -V}) by itself and hands
 * everything else to {@link Main}. Loading {@link Main} loads picocli and every subcommand class (its
 * annotations, its subcommand table, the types its methods are verified against), about 20 ms of a
 * start whose floor is the JVM's own ~100 ms (bench/cli-bench.sh); this class references none of
 * them, so {@code --version} loads only the JDK's classes and this one. It prints what picocli's
 * version help prints ({@link Main.Version}), exit status 0.
 */
public final class Entry {
    private Entry() {
    }

    /** Entry point: {@code --version} here, anything else through {@link Main#main}. */
    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            System.out.println("kboot " + version());
            System.out.flush();
            return;
        }
        Main.main(args);
    }

    /** @return kboot's version, from the build ({@code version.properties}), or {@code unknown} */
    static String version() {
        Properties p = new Properties();
        try (InputStream in = Entry.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // unknown
        }
        return p.getProperty("version", "unknown");
    }
}
