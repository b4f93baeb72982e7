package dev.kboot.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kboot shell} on a real terminal: tmux plays the user (keys in, screen out). */
class ShellIT {
    @TempDir
    Path runtime;
    final String session = "kboot-shell-it-" + ProcessHandle.current().pid();

    @BeforeAll
    static void sample() {
        KbootProcess.assertSampleExists();
    }

    private static String sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private String screen() throws Exception {
        return sh("tmux", "capture-pane", "-p", "-t", session);
    }

    @AfterEach
    void killSession() throws Exception {
        sh("tmux", "kill-session", "-t", session);
    }

    @Test
    void aShellOnThisTerminalThatCtrlBracketLeaves() throws Exception {
        Path status = runtime.resolve("status");
        String cmd = "XDG_RUNTIME_DIR=" + runtime + " " + KbootProcess.REPO.resolve("bin/kboot") + " shell " + KbootProcess.SAMPLE
                + "; echo $? > " + status + "; sleep 600";
        sh("tmux", "new-session", "-d", "-x", "100", "-y", "30", "-s", session, cmd);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> screen().contains("Ctrl-] leaves"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> screen().contains("#"));
        sh("tmux", "send-keys", "-t", session, "echo $((6*7)); stty size; id -u", "Enter");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> screen().contains("30 100"));
        String s = screen();
        assertTrue(s.contains("\n42\n") && s.contains("\n0\n"), "ran as root on a 30x100 pty: " + s);
        sh("tmux", "send-keys", "-t", session, "C-]");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> Files.exists(status) && Files.size(status) > 0);
        assertEquals("0", Files.readString(status).trim());
        KbootProcess k = new KbootProcess(null, runtime, null, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> k.leftoverProcesses().isEmpty());
        assertEquals(List.of(), k.leftoverSockets());
    }

    @Test
    void sigtermLeavesTheTerminalAsItWasAndExits130() throws Exception {
        Path status = runtime.resolve("status");
        Path before = runtime.resolve("stty-before");
        Path after = runtime.resolve("stty-after");
        String cmd = "stty -g > " + before + "; XDG_RUNTIME_DIR=" + runtime + " " + KbootProcess.REPO.resolve("bin/kboot") + " shell " + KbootProcess.SAMPLE
                + "; echo $? > " + status + "; stty -g > " + after + "; sleep 600";
        sh("tmux", "new-session", "-d", "-x", "100", "-y", "30", "-s", session, cmd);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> screen().contains("Ctrl-] leaves"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> screen().contains("#"));
        // kboot's pid is in its run directory's name: run-PID-...
        Path base = runtime.resolve("kboot");
        String pid;
        try (var runs = Files.list(base)) {
            pid = runs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("run-")).findFirst().orElseThrow().split("-")[1];
        }
        sh("kill", "-TERM", pid);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> Files.exists(after) && Files.size(after) > 0);
        assertEquals("130", Files.readString(status).trim(), "SIGTERM exits as the README says");
        assertEquals(Files.readString(before), Files.readString(after), "the terminal is back in the mode it had");
        KbootProcess k = new KbootProcess(null, runtime, null, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> k.leftoverProcesses().isEmpty());
        assertEquals(List.of(), k.leftoverSockets());
    }
}
