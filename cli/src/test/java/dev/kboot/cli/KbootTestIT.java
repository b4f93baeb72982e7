package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** End to end: {@code kboot test} on the sample closure through the real bin/kboot. */
class KbootTestIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void sample() {
        KbootProcess.assertSampleExists();
    }

    private KbootProcess test(Path results, String... more) throws Exception {
        String[] args = new String[more.length + 4];
        args[0] = "test";
        args[1] = KbootProcess.SAMPLE.toString();
        args[2] = "--results";
        args[3] = results.toString();
        System.arraycopy(more, 0, args, 4, more.length);
        return KbootProcess.start(dir.resolve("runtime"), args);
    }

    private static Map<String, String> statuses(Path results) throws Exception {
        JsonNode run = JSON.readTree(results.resolve("results.json").toFile());
        Map<String, String> out = new HashMap<>();
        for (JsonNode t : run.path("tests")) {
            out.put(t.path("id").asText(), t.path("status").asText());
        }
        return out;
    }

    private Path yaml(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void kselftestsAndTheKernelTestModulesGiveATrueVerdict() throws Exception {
        Path results = dir.resolve("main");
        KbootProcess k = test(results, "--suite", "kselftest:sample", "--suite", "command:kernel-modules",
                "--expunges", KbootProcess.REPO.resolve("sample/expunges.yaml").toString());
        // A bound, not a speed test: 83 kselftests under TCG on a busy 2-core host take 15 min and more.
        assertEquals(0, k.await(Duration.ofMinutes(45)), k.err());
        assertTrue(k.err().contains("kboot: OK: "), k.err());
        JsonNode run = JSON.readTree(results.resolve("results.json").toFile());
        assertEquals("kboot-results/1", run.path("schema").asText());
        assertTrue(run.path("complete").asBoolean(), run.toString());
        Map<String, String> st = statuses(results);
        assertTrue(st.size() > 80, "every installed kselftest and the 3 modules: " + st.size());
        assertEquals("pass", st.get("kselftest/timers/nanosleep"));
        assertEquals("pass", st.get("command/test_bpf"));
        assertEquals("skip", st.get("kselftest/sync/sync_test"), "CONFIG_SW_SYNC is not set in Debian's kernel");
        assertTrue(st.values().stream().allMatch(s -> s.equals("pass") || s.equals("skip") || s.equals("xfail") || s.equals("xpass")), st.toString());
        Document junit = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(results.resolve("junit.xml").toFile());
        assertEquals(st.size(), junit.getElementsByTagName("testcase").getLength());
        assertTrue(Files.readString(results.resolve("summary.txt")).contains("verdict: OK"));
        assertTrue(Files.readString(results.resolve("console.log")).contains("KBOOT-SAMPLE: stage 2 reached"));
        k.assertNothingLeft();
    }

    @Test
    void aFailingTestIsNamedAndABaselineMakesItARegression() throws Exception {
        Path base = dir.resolve("base");
        // On a terminal: the live progress line.
        KbootProcess k = KbootProcess.startOnTerminal(dir.resolve("runtime"), "test", KbootProcess.SAMPLE.toString(), "--results", base.toString(),
                "--suite", "command:" + yaml("base.yaml", """
                tests:
                  - {name: stable, command: "true"}
                  - {name: flips, command: "true"}
                  - {name: waits, command: "sleep 3"}
                """));
        assertEquals(0, k.await(Duration.ofMinutes(5)), k.out() + k.err());
        String terminal = k.out();
        assertTrue(terminal.contains("\r[0/3 tests] starting"), terminal);
        assertTrue(terminal.contains("\r[2/3 tests] \u001b[32m2 pass\u001b[0m  command/waits 0:01"),
                "redrawn while a test runs, with its elapsed time: " + terminal);
        assertTrue(terminal.contains("\u001b[K"), terminal);
        assertFalse(terminal.contains("PASS     command/stable"), "a pass is counted, not listed, on a terminal: " + terminal);
        assertTrue(terminal.contains("kboot: OK: 3 tests, no failure"), terminal);

        Path expunges = yaml("expunges.yaml", """
                expunges:
                  - suite: command
                    tests: [never-run]
                    action: skip
                    reason: known to hang this kernel
                    bug: https://example.org/bug/1
                """);
        Path head = dir.resolve("head");
        k = test(head, "--suite", "command:" + yaml("head.yaml", """
                tests:
                  - {name: stable, command: "true"}
                  - {name: flips, command: "echo 'wanted 42, got 41' >&2; exit 1"}
                  - {name: never-run, command: "echo KBOOT-EXPUNGED-TEST-RAN > /dev/console"}
                """), "--expunges", expunges.toString(), "--baseline", base.resolve("results.json").toString());
        assertEquals(1, k.await(Duration.ofMinutes(5)), k.err());
        assertTrue(k.err().contains("command/flips"), "the failing test is named: " + k.err());
        assertTrue(k.err().contains("\nPASS     command/stable (") && k.err().contains("\nFAIL     command/flips ("),
                "without a terminal: one plain line per test: " + k.err());
        assertFalse(k.err().contains("\r") || k.err().contains("\u001b["), k.err());
        assertTrue(k.err().contains("regression"), k.err());
        Map<String, String> st = statuses(head);
        assertEquals("fail", st.get("command/flips"));
        assertEquals("expunged", st.get("command/never-run"));
        assertFalse(Files.readString(head.resolve("console.log")).contains("KBOOT-EXPUNGED-TEST-RAN"), "an expunged test is not run");

        // The page for people, from this real run: every test, the regression, the boot's phases.
        assertTrue(Files.isRegularFile(head.resolve("results.html")), "kboot test writes results.html beside results.json");
        try (Chromium c = Chromium.start(dir.resolve("profile"))) {
            c.open(head.resolve("results.html"));
            assertEquals(st.size(), c.eval("Array.from(document.querySelectorAll('#results tr.test')).filter(r => !r.hidden).length").asInt());
            assertEquals("command/flips", c.eval("document.querySelector('#change-regression + ul a').textContent").asText());
            assertTrue(c.eval("document.querySelectorAll('#timeline svg g.phase').length").asInt() >= 4, "the boot's phases as an SVG chart");
            assertTrue(c.eval("document.querySelector('#timeline svg').textContent").asText().contains("agent ready")
                    || c.eval("document.querySelector('#timeline svg').textContent").asText().contains("init reached"));
            c.click("#status-filters button[data-filter=fail]");
            assertEquals("command/flips", c.eval("Array.from(document.querySelectorAll('#results tr.test')).filter(r => !r.hidden).map(r => r.dataset.id).join()").asText());
            c.screenshot(KbootProcess.REPO.resolve("cli/target/screenshots/kboot-test-results-html.png"));
            assertEquals(java.util.List.of(), c.errors(), "no console errors");
        }

        Cli compare = Cli.run("results", "compare", base.toString(), head.toString());
        assertEquals(1, compare.code(), compare.err());
        assertTrue(compare.out().contains("regression") && compare.out().contains("command/flips"), compare.out());
        k.assertNothingLeft();
    }

    @Test
    void aTestThatPanicsTheGuestIsCrashAndTheRestMiss() throws Exception {
        Path results = dir.resolve("crash");
        KbootProcess k = test(results, "--suite", "command:" + yaml("crash.yaml", """
                tests:
                  - {name: before, command: "true"}
                  - {name: boom, command: "echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger"}
                  - {name: after-1, command: "true"}
                  - {name: after-2, command: "true"}
                """));
        assertEquals(2, k.await(Duration.ofMinutes(5)), k.err());
        Map<String, String> st = statuses(results);
        assertEquals("pass", st.get("command/before"));
        assertEquals("crash", st.get("command/boom"));
        assertEquals("miss", st.get("command/after-1"));
        assertEquals("miss", st.get("command/after-2"));
        JsonNode run = JSON.readTree(results.resolve("results.json").toFile());
        assertFalse(run.path("complete").asBoolean());
        String boom = "";
        for (JsonNode t : run.path("tests")) {
            if (t.path("id").asText().equals("command/boom")) {
                boom = t.toString();
            }
        }
        assertTrue(boom.contains("Kernel panic - not syncing: sysrq triggered crash"), boom);
        assertTrue(k.err().contains("INCOMPLETE"), k.err());
        k.assertNothingLeft();
    }

    @Test
    void aHangingTestIsATimeoutAndTheRunGoesOn() throws Exception {
        Path results = dir.resolve("hang");
        KbootProcess k = test(results, "--suite", "command:" + yaml("hang.yaml", """
                tests:
                  - {name: hangs, command: "sleep 600", timeout: 5s}
                  - {name: after, command: "true"}
                """));
        assertEquals(1, k.await(Duration.ofMinutes(5)), k.err());
        Map<String, String> st = statuses(results);
        assertEquals("timeout", st.get("command/hangs"));
        assertEquals("pass", st.get("command/after"));
    }

    @Test
    void aKilledRunLeavesValidPartialResults() throws Exception {
        Path results = dir.resolve("killed");
        KbootProcess k = test(results, "--suite", "command:" + yaml("slow.yaml", """
                tests:
                  - {name: quick, command: "true"}
                  - {name: slow-1, command: "sleep 600"}
                  - {name: slow-2, command: "true"}
                """));
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .until(() -> Files.exists(results.resolve("results.json")) && "pass".equals(statuses(results).get("command/quick")));
        new ProcessBuilder("kill", "-KILL", Long.toString(k.process.pid())).start().waitFor();
        k.await(Duration.ofSeconds(30));
        Map<String, String> st = statuses(results);
        assertEquals("pass", st.get("command/quick"));
        assertEquals("miss", st.get("command/slow-1"), "not finished when killed: " + st);
        assertEquals("miss", st.get("command/slow-2"));
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(results.resolve("junit.xml").toFile());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> k.leftoverProcesses().isEmpty());
    }

    /**
     * A stand-in for blktests' {@code ./check -o DIR}, installed by a command test that runs
     * first: writes test 001 (pass) and 002 (fail, with a {@code .full} log and a {@code .dmesg}
     * symlink to the host's {@code /etc/shadow}), then, with SLOW, sleeps before 003.
     */
    private Path fakeBlktests(String name, String extra) throws Exception {
        String check = String.join("\n",
                "#!/bin/sh",
                "out=$2; d=$out/nodev/block; mkdir -p $d",
                "printf 'status\\tpass\\nruntime\\t1.5s\\n' > $d/001",
                "printf 'status\\tfail\\nreason\\toutput differs\\n' > $d/002",
                "echo 'the log of 002' > $d/002.full",
                "ln -s /etc/shadow $d/002.dmesg",
                "[ -e /tmp/fakeblk/SLOW ] && sleep 600",
                "printf 'status\\tpass\\n' > $d/003",
                "");
        yaml(name + "-blk.yaml", "dir: /tmp/fakeblk\ntest-timeout: 10m\n");
        return yaml(name + "-setup.yaml", "tests:\n  - name: install-fake-blktests\n    command: |\n"
                + "      mkdir -p /tmp/fakeblk && cat > /tmp/fakeblk/check <<'EOF'\n"
                + check.lines().map(l -> "      " + l).reduce((x, y) -> x + "\n" + y).orElse("") + "\n      EOF\n"
                + "      chmod +x /tmp/fakeblk/check" + extra + "\n");
    }

    @Test
    void aBatchSuiteWritesStraightIntoTheResultsAndGuestSymlinksAreNotFollowed() throws Exception {
        Path results = dir.resolve("batch");
        Path setup = fakeBlktests("batch", "");
        // --results relative to kboot's working directory, as a user types it: the writable share's
        // virtiofsd was handed the relative path and failed to chroot into it.
        KbootProcess k = KbootProcess.startIn(dir, dir.resolve("runtime"), "test", KbootProcess.SAMPLE.toString(), "--results", "batch",
                "--suite", "command:" + setup, "--suite", "blktests:" + dir.resolve("batch-blk.yaml"));
        assertEquals(1, k.await(Duration.ofMinutes(5)), k.err());
        Map<String, String> st = statuses(results);
        assertEquals("pass", st.get("blktests/nodev/block/001"));
        assertEquals("fail", st.get("blktests/nodev/block/002"));
        assertEquals("pass", st.get("blktests/nodev/block/003"));
        Path block = results.resolve("artifacts/blktests/results/nodev/block");
        assertTrue(Files.isRegularFile(block.resolve("002.full")), "what the suite wrote is in the results");
        assertFalse(Files.exists(block.resolve("002.dmesg"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "the guest's symlink was removed");
        String shadow = Files.readAllLines(Path.of("/etc/shadow")).get(0);
        try (var files = Files.walk(results)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1).contains(shadow), "a host file leaked into " + f);
            }
        }
        k.assertNothingLeft();
    }

    @Test
    void aBatchSuiteThatCannotBePlannedStillFinishesTheResults() throws Exception {
        Path results = dir.resolve("unplannable");
        // The guest puts a file where the suite's results directory must go: its plan fails.
        Path setup = fakeBlktests("unplannable", " && mkdir -p /run/kboot/xfer && mount -t virtiofs kboot-xfer /run/kboot/xfer && echo no > /run/kboot/xfer/blktests");
        KbootProcess k = test(results, "--suite", "command:" + setup, "--suite", "blktests:" + dir.resolve("unplannable-blk.yaml"),
                "--suite", "command:" + yaml("after.yaml", "tests:\n  - {name: after, command: \"true\"}\n"));
        assertEquals(2, k.await(Duration.ofMinutes(5)), k.err());
        JsonNode run = JSON.readTree(results.resolve("results.json").toFile());
        assertTrue(run.path("run").path("finished").asBoolean(), run.toString());
        Map<String, String> st = statuses(results);
        assertEquals("error", st.get("blktests/(suite)"));
        assertEquals("pass", st.get("command/after"), "the next suite still ran");
        assertFalse(k.err().contains("\tat "), "no stack trace: " + k.err());
        k.assertNothingLeft();
    }

    @Test
    void ctrlCDuringABatchSuiteKeepsItsPartialResults() throws Exception {
        Path results = dir.resolve("interrupted");
        Path setup = fakeBlktests("interrupted", " && touch /tmp/fakeblk/SLOW");
        KbootProcess k = test(results, "--suite", "command:" + setup, "--suite", "blktests:" + dir.resolve("interrupted-blk.yaml"));
        Path block = results.resolve("artifacts/blktests/results/nodev/block");
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(250))
                .until(() -> Files.exists(block.resolve("002.full")));
        new ProcessBuilder("kill", "-INT", Long.toString(k.process.pid())).start().waitFor();
        assertEquals(130, k.await(Duration.ofMinutes(1)), k.err());
        Map<String, String> st = statuses(results);
        assertEquals("pass", st.get("blktests/nodev/block/001"), "the partial results were read: " + st);
        assertEquals("fail", st.get("blktests/nodev/block/002"));
        JsonNode run = JSON.readTree(results.resolve("results.json").toFile());
        assertTrue(run.path("run").path("finished").asBoolean(), run.toString());
        assertTrue(run.path("incomplete").toString().contains("interrupted"), run.toString());
        assertTrue(Files.isRegularFile(block.resolve("001")), "the suite's own files are kept");
        k.assertNothingLeft();
    }

    @Test
    void badFilesKeepKbootsCodes() throws Exception {
        KbootProcess k = test(dir.resolve("bad"), "--suite", "command:kernel-modules", "--expunges", yaml("bad.yaml", "expunges:\n  - suite: command\n    tests: [x]\n    reason: r\n    action: maybe\n").toString());
        assertEquals(65, k.await(Duration.ofMinutes(2)), k.err());
        assertTrue(k.err().contains("bad.yaml") && k.err().contains("expunges[0].action"), k.err());
        assertFalse(k.err().contains("warning: using TCG"), "nothing is planned or booted before the files are checked: " + k.err());
        k = test(dir.resolve("bad2"), "--suite", "nosuch");
        assertEquals(64, k.await(Duration.ofMinutes(2)), k.err());
        k = test(dir.resolve("bad3"), "--suite", "command:kernel-modules", "--baseline", dir.resolve("missing.json").toString());
        assertEquals(66, k.await(Duration.ofMinutes(2)), k.err());
        k.assertNothingLeft();
    }
}
