package dev.kboot.harness;

import dev.kboot.launcher.KbootException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The test suites kboot judges, by the name used on the command line and as the ids' first segment. */
public enum Suite {
    /** kselftest via run_kselftest.sh: TAP 13 on stdout. */
    KSELFTEST("kselftest"),
    /** KUnit: KTAP on the kernel console. */
    KUNIT("kunit"),
    /** Any KTAP v1 stream (the ktap.rst examples, a test module's own KTAP). */
    KTAP("ktap"),
    /** fstests: result.xml (xunit) and check.log per section. */
    FSTESTS("fstests"),
    /** blktests: results/DEV/GROUP/NNN files, or check's output. */
    BLKTESTS("blktests"),
    /** LTP: kirk's JSON report or the runltp log. */
    LTP("ltp"),
    /** A plain command judged by its exit status. */
    COMMAND("command");

    private final String id;

    Suite(String id) {
        this.id = id;
    }

    /** @return the name ({@code kselftest}) */
    public String id() {
        return id;
    }

    /**
     * @param name a suite name, any case
     * @return the suite
     * @throws KbootException exit 64 naming the valid suites if there is none by that name
     */
    public static Suite parse(String name) {
        for (Suite s : values()) {
            if (s.id.equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw KbootException.usage("--suite " + name + ": expected one of "
                + Arrays.stream(values()).map(Suite::id).collect(Collectors.joining(", ")));
    }
}
