package dev.kboot.harness.run;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.qemu.Accelerator;
import java.time.Duration;
import java.util.Locale;

/**
 * A run's per-test timeouts, scaled for the accelerator the way LTP scales its own with
 * {@code LTP_TIMEOUT_MUL} and kselftest with {@code --override-timeout}: a timeout is written for
 * a kernel on real hardware or KVM, and under TCG every instruction is emulated (several times
 * slower, more so on a loaded host), so the same test needs longer to mean the same thing.
 *
 * <p>The factor is {@code --timeout-factor} when given, else 1 under KVM and {@value #TCG_FACTOR}
 * under TCG. It multiplies every per-test timeout kboot enforces (a profile's
 * {@code test-timeout}, a command test's {@code timeout}, {@code --test-timeout}) and the suites'
 * own (kselftest's per-collection {@code settings} timeout, default 45 s; LTP's through
 * {@code LTP_TIMEOUT_MUL}); it is recorded in results.json as {@code run.timeoutFactor}. The
 * whole run's {@code --timeout} is not scaled: it is the caller's budget.
 *
 * @param perTest the per-test timeout where a profile sets none ({@code --test-timeout}), unscaled
 * @param factor  what every per-test timeout is multiplied by, positive
 */
public record Timeouts(Duration perTest, double factor) {
    /** The factor under TCG (software emulation) when none is given. */
    public static final double TCG_FACTOR = 4;

    /** Checks the factor. */
    public Timeouts {
        if (!(factor > 0) || factor > 1000) {
            throw KbootException.usage("--timeout-factor " + factor + ": expected a number above 0 (at most 1000)");
        }
    }

    /**
     * @param perTest  the unscaled per-test timeout
     * @param accel    the accelerator the guest runs under
     * @param override {@code --timeout-factor} text, or null for the accelerator's factor
     * @return the timeouts
     * @throws KbootException 64 when {@code override} is not a positive number
     */
    public static Timeouts of(Duration perTest, Accelerator accel, String override) {
        if (override == null) {
            return new Timeouts(perTest, accel == Accelerator.TCG ? TCG_FACTOR : 1);
        }
        try {
            return new Timeouts(perTest, Double.parseDouble(override.strip()));
        } catch (NumberFormatException e) {
            throw KbootException.usage("--timeout-factor " + override + ": expected a number such as 1, 2.5 or 4");
        }
    }

    /** @return {@code d} times the factor */
    public Duration scale(Duration d) {
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }

    /** @return {@code seconds} times the factor, rounded up to whole seconds */
    public long scaleSeconds(long seconds) {
        return (long) Math.ceil(seconds * factor);
    }

    /** @return the profile's {@code test-timeout} (else {@link #perTest()}), scaled */
    public Duration forProfile(Profile profile) {
        return scale(profile.testTimeout().orElse(perTest));
    }

    /** @return the factor as text, e.g. "4" or "2.5" */
    public String factorText() {
        return factor == Math.rint(factor) ? Long.toString((long) factor) : String.format(Locale.ROOT, "%s", factor);
    }
}
