package dev.kboot.cli;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.vm.Vm;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM, handled the same way: every guest is stopped at once
 * ({@link Vm#interruptAll}), the running command then ends by itself, writing what it has (a
 * test run's results with the tests not finished as MISS, the terminal restored), and kboot exits
 * {@value #EXIT} (the README's 130, for SIGTERM too, where the JVM's default would be 143). If the
 * command has not ended after {@link #GRACE_MS} ms, or a second signal comes, kboot exits at once;
 * the shutdown hooks still stop what runs.
 */
final class Interrupts {
    static final int EXIT = 130;
    static final long GRACE_MS = 30_000;
    private static final AtomicInteger SIGNALS = new AtomicInteger();

    private Interrupts() {
    }

    /** Installs the handlers (the real CLI only: tests run kboot in-process without them). */
    static void install() {
        // a class, not a lambda: a lambda here was the process's first, and linking it set up
        // invokedynamic's method handles on the main thread before parsing (13-30 ms at load 3-7
        // in a class-load timeline); picocli's regular expressions still need part of that later
        sun.misc.SignalHandler handler = new sun.misc.SignalHandler() {
            @Override
            public void handle(Signal s) {
                onSignal();
            }
        };
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), handler);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // the JVM's own handling (exit 128+N after the shutdown hooks) remains
            }
        }
    }

    /** @return whether a signal asked kboot to stop */
    static boolean happened() {
        return SIGNALS.get() > 0;
    }

    /** @return {@code code}, or 130 when a signal asked kboot to stop */
    static int exitCode(int code) {
        return happened() ? ExitCode.INTERRUPTED.code() : code;
    }

    private static void onSignal() {
        if (SIGNALS.incrementAndGet() > 1) {
            System.exit(EXIT);
        }
        Thread stop = new Thread(() -> {
            Vm.interruptAll();
            try {
                Thread.sleep(GRACE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.exit(EXIT);
        }, "kboot-interrupt");
        stop.setDaemon(true);
        stop.start();
    }
}
