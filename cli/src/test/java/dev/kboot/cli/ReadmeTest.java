package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's exit-code table is the contract: it must say exactly what ExitCode says. */
class ReadmeTest {
    static final Path README = KbootProcess.REPO.resolve("README.md");

    @Test
    void exitCodeTableMatchesTheCode() throws Exception {
        String text = Files.readString(README);
        Map<Integer, String> table = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\| (\\d+) \\| (.+) \\|$").matcher(text.substring(text.indexOf("## Exit codes")));
        while (m.find()) {
            table.put(Integer.parseInt(m.group(1)), m.group(2));
        }
        Map<Integer, String> code = new LinkedHashMap<>();
        for (ExitCode c : ExitCode.values()) {
            code.put(c.code(), c.meaning());
        }
        assertEquals(code, table);
    }

    @Test
    void theTwoCommandsExist() {
        assertTrue(Files.isExecutable(KbootProcess.REPO.resolve("scripts/demo.sh")));
        assertTrue(Files.isExecutable(KbootProcess.REPO.resolve("scripts/test.sh")));
    }
}
