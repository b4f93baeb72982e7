package dev.kboot.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What kboot's output goes to: a terminal or not (Linux: where {@code /proc/self/fd/N} points),
 * how wide it is, and whether to colour (the {@code --color} option and the NO_COLOR convention,
 * no-color.org: an explicit {@code --color=always} wins over NO_COLOR).
 */
final class Terminal {
    /** The standard output's descriptor. */
    static final int STDOUT = 1;
    /** The standard error's descriptor. */
    static final int STDERR = 2;

    private Terminal() {
    }

    /** @return whether descriptor {@code fd} of this process is a terminal (a pty or a virtual console) */
    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /**
     * Decides colour.
     *
     * @param when     {@code auto}, {@code always} or {@code never} (--color)
     * @param terminal whether the output is a terminal
     * @param term     $TERM, or null
     * @param noColor  $NO_COLOR, or null
     * @return whether to colour
     */
    static boolean colour(String when, boolean terminal, String term, String noColor) {
        return switch (when) {
            case "always" -> true;
            case "never" -> false;
            default -> terminal && term != null && !term.isBlank() && !term.equals("dumb") && (noColor == null || noColor.isEmpty());
        };
    }

    /** @return whether to colour output written to {@code fd}, from {@code --color} and the environment */
    static boolean colour(String when, int fd) {
        return colour(when, isTerminal(fd), System.getenv("TERM"), System.getenv("NO_COLOR"));
    }

    /** @return {@code text} in SGR colour {@code sgr} ({@code 31} red) when {@code on}, else as is */
    static String paint(boolean on, String sgr, String text) {
        return on ? "\u001b[" + sgr + "m" + text + "\u001b[0m" : text;
    }

    /** @return the SGR colour of a test status: green passed, red failed, yellow skipped, cyan XPASS, magenta MISS */
    static String sgr(dev.kboot.harness.model.Status s) {
        return switch (s) {
            case PASS -> "32";
            case FAIL, TIMEOUT, CRASH, ERROR -> "31";
            case SKIP, EXPUNGED, XFAIL -> "33";
            case XPASS -> "36";
            case MISS -> "35";
        };
    }

    /** @return the terminal's width in columns: $COLUMNS, else {@code stty size} on /dev/tty, else 80 */
    static int columns() {
        try {
            String c = System.getenv("COLUMNS");
            if (c != null && !c.isBlank()) {
                return Math.max(20, Integer.parseInt(c.trim()));
            }
        } catch (NumberFormatException e) {
            // ask the terminal
        }
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(new java.io.File("/dev/tty")).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("\\d+ \\d+") && !out.endsWith(" 0")) {
                return Math.max(20, Integer.parseInt(out.split(" ")[1]));
            }
        } catch (IOException | RuntimeException e) {
            // no terminal
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 80;
    }
}
