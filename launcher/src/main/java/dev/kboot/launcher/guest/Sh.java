package dev.kboot.launcher.guest;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** POSIX shell quoting, for commands sent to the guest's /bin/sh and argvs printed for users. */
public final class Sh {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private Sh() {
    }

    /** @return {@code word} quoted for a POSIX shell when it needs it */
    public static String quote(String word) {
        if (!word.isEmpty() && SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** @return the argv as one shell command line, each word quoted as needed */
    public static String join(List<String> argv) {
        return argv.stream().map(Sh::quote).collect(Collectors.joining(" "));
    }
}
