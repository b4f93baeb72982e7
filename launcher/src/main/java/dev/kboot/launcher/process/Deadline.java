package dev.kboot.launcher.process;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A point in time by which something must have happened, on an injectable monotonic clock (in
 * nanoseconds, {@link System#nanoTime()} by default) so that tests can drive time without
 * sleeping.
 */
public final class Deadline {
    private final LongSupplier clock;
    private final long end;
    private final Duration budget;

    private Deadline(LongSupplier clock, Duration budget) {
        this.clock = clock;
        this.budget = budget;
        long now = clock.getAsLong();
        long b = budget.toNanos();
        this.end = Long.MAX_VALUE - now < b ? Long.MAX_VALUE : now + b;
    }

    /** @return a deadline {@code budget} from now on the system monotonic clock */
    public static Deadline in(Duration budget) {
        return new Deadline(System::nanoTime, budget);
    }

    /** @return a deadline {@code budget} from now on {@code clock} (nanoseconds) */
    public static Deadline in(Duration budget, LongSupplier clock) {
        return new Deadline(clock, budget);
    }

    /** @return a deadline that never passes */
    public static Deadline never() {
        return new Deadline(System::nanoTime, Duration.ofNanos(Long.MAX_VALUE));
    }

    /** @return whether the deadline has passed */
    public boolean expired() {
        return clock.getAsLong() >= end;
    }

    /** @return the time left, zero when expired */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, end - clock.getAsLong()));
    }

    /** @return the time left in ms (at least 0, at most {@code cap}) */
    public long remainingMillis(long cap) {
        return Math.min(cap, remaining().toMillis());
    }

    /** @return the total budget this deadline was given */
    public Duration budget() {
        return budget;
    }
}
