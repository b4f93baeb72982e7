package dev.kboot.launcher.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Phase timings count from kboot's own start, also when a long-running script {@code exec}s it. */
class TimingsTest {
    /** Prints {@link Timings#sinceProcessStartMs()} as a freshly started JVM sees it. */
    public static final class Print {
        public static void main(String[] args) {
            System.out.println(Timings.sinceProcessStartMs());
        }
    }

    @Test
    void theOriginIsTheJvmsStartNotTheStartOfTheScriptThatExecedIt() throws Exception {
        String cp = Path.of(Timings.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + ":"
                + Path.of(TimingsTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The script runs 6 s before it execs the JVM: the process (same pid) started 6 s before kboot.
        Process p = new ProcessBuilder(List.of("sh", "-c", "sleep 6; exec \"$0\" -cp \"$1\" \"$2\"", java, cp, Print.class.getName()))
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        long ms = Long.parseLong(out);
        assertTrue(ms < 6000, "ms since kboot started, not since the script did: " + ms);
    }
}
