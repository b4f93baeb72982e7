package dev.kboot.launcher.process;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one polling helper: asks {@code attempt} until it yields a value, the deadline passes, or
 * {@code abort} reports a reason to stop (the process died). Waiting between attempts goes
 * through a {@link Sleeper} so tests run without real sleeps.
 */
public final class Poller {
    /** How a poller waits between attempts. */
    @FunctionalInterface
    public interface Sleeper {
        /** Waits {@code millis} ms (or less: the poller re-checks anyway). */
        void sleep(long millis) throws InterruptedException;
    }

    /** The outcome of a poll: a value, a timeout, or an abort with its reason. */
    public sealed interface Outcome<T> {
        /** Got it. */
        record Ready<T>(T value) implements Outcome<T> {
        }

        /** The deadline passed first. */
        record TimedOut<T>() implements Outcome<T> {
        }

        /** {@code abort} gave a reason first. */
        record Aborted<T>(String reason) implements Outcome<T> {
        }
    }

    private final Sleeper sleeper;
    private final Duration interval;

    /**
     * @param sleeper  how to wait between attempts
     * @param interval how long to wait between attempts
     */
    public Poller(Sleeper sleeper, Duration interval) {
        this.sleeper = sleeper;
        this.interval = interval;
    }

    /** @return a poller on real time with the given interval */
    public static Poller every(Duration interval) {
        return new Poller(Thread::sleep, interval);
    }

    /**
     * @param deadline when to give up
     * @param attempt  yields the value once ready
     * @param abort    yields a reason to stop early (checked before each attempt)
     * @return what happened first
     * @throws InterruptedException when interrupted while waiting
     */
    public <T> Outcome<T> poll(Deadline deadline, Supplier<Optional<T>> attempt, Supplier<Optional<String>> abort) throws InterruptedException {
        while (true) {
            Optional<String> stop = abort.get();
            if (stop.isPresent()) {
                return new Outcome.Aborted<>(stop.get());
            }
            Optional<T> v = attempt.get();
            if (v.isPresent()) {
                return new Outcome.Ready<>(v.get());
            }
            if (deadline.expired()) {
                return new Outcome.TimedOut<>();
            }
            sleeper.sleep(deadline.remainingMillis(interval.toMillis()));
        }
    }
}
