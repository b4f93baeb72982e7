package dev.kboot.cli;

import dev.kboot.launcher.guest.Execution;
import dev.kboot.launcher.guest.Guest;
import dev.kboot.launcher.guest.OutputListener;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Connects this terminal to a shell on a pseudo-terminal in the guest: raw mode on the host
 * terminal (stty), keystrokes to the guest, output back, window size changes forwarded
 * (SIGWINCH). Ctrl-] ({@value #ESCAPE}) leaves, as telnet's and virsh console's escape does.
 */
final class TerminalSession {
    /** The byte that leaves the session: Ctrl-]. */
    static final int ESCAPE = 0x1d;
    static final String SHELL = "if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi";

    private TerminalSession() {
    }

    /** @return the shell's exit status (0 when left with Ctrl-]) */
    static int run(Guest guest) throws Exception {
        boolean tty = System.console() != null && new File("/dev/tty").canRead();
        int[] size = tty ? size() : new int[] {24, 80};
        String saved = tty ? stty("-g").trim() : null;
        OutputListener toTerminal = RunCommand.streamTo(System.out, System.out);
        Execution shell = guest.startTerminal(SHELL, size[0], size[1], toTerminal);
        // A backstop for an exit that skips the finally below (a second Ctrl-C, a signal's
        // grace running out): the terminal is never left raw.
        Thread restore = saved == null ? null : new Thread(() -> {
            try {
                stty(saved);
            } catch (IOException | InterruptedException e) {
                // nothing more to do on the way out
            }
        }, "terminal-restore");
        try {
            if (tty) {
                Runtime.getRuntime().addShutdownHook(restore);
                stty("raw", "-echo");
                watchWindowSize(shell);
            }
            CompletableFuture<Integer> done = new CompletableFuture<>();
            Thread keys = new Thread(() -> forwardKeys(System.in, shell, done), "terminal-keys");
            keys.setDaemon(true);
            keys.start();
            Thread waiter = new Thread(() -> {
                try {
                    done.complete(guest.await(shell).shellStatus());
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            }, "terminal-shell");
            waiter.setDaemon(true);
            waiter.start();
            try {
                return done.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
            }
        } finally {
            if (saved != null) {
                stty(saved);
                try {
                    Runtime.getRuntime().removeShutdownHook(restore);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook restores it once more, harmlessly
                }
            }
            System.out.println();
        }
    }

    /** Forwards keystrokes until Ctrl-] (completes {@code done} with 0) or end of input. */
    private static void forwardKeys(InputStream in, Execution shell, CompletableFuture<Integer> done) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                int esc = -1;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == ESCAPE) {
                        esc = i;
                        break;
                    }
                }
                if (esc >= 0) {
                    if (esc > 0) {
                        shell.write(Arrays.copyOf(buf, esc));
                    }
                    done.complete(0);
                    return;
                }
                shell.write(Arrays.copyOf(buf, n));
            }
            shell.closeStdin();
        } catch (IOException e) {
            // the guest went away: the shell's result says so
        }
    }

    private static void watchWindowSize(Execution shell) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> {
                try {
                    int[] rc = size();
                    shell.resize(rc[0], rc[1]);
                } catch (IOException | InterruptedException e) {
                    // keep the old size
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGWINCH here: the size stays as it was at start
        }
    }

    /** @return {rows, cols} of this terminal */
    static int[] size() throws IOException, InterruptedException {
        String[] rc = stty("size").trim().split("\\s+");
        try {
            return new int[] {Integer.parseInt(rc[0]), Integer.parseInt(rc[1])};
        } catch (RuntimeException e) {
            return new int[] {24, 80};
        }
    }

    /** Runs stty on /dev/tty. */
    static String stty(String... args) throws IOException, InterruptedException {
        String[] argv = new String[args.length + 1];
        argv[0] = "stty";
        System.arraycopy(args, 0, argv, 1, args.length);
        Process p = new ProcessBuilder(argv).redirectInput(new File("/dev/tty")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        p.waitFor(5, TimeUnit.SECONDS);
        return out;
    }
}
