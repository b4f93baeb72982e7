package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.report.ResultsJson;
import dev.kboot.launcher.process.RunDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault matrix: {@code kboot test} on the sample closure through the real bin/kboot, real
 * QEMU and virtiofsd, with one fault injected at several points of the boot and of the run. For
 * each: the documented exit code, a results.json the strict reader accepts (finished, with what
 * had finished, the rest MISS) and nothing of this kboot's left: no child it recorded alive (pid
 * and start time), no process naming its runtime directory, no socket, no mount.
 *
 * <p>The faults: SIGKILL of QEMU and of the store's virtiofsd as QEMU starts, as the initrd
 * switches root and under a test; a guest panic and a guest hang at boot and under a test; the agent
 * killed under a test and from the side; the results directory read-only, full at the start,
 * filled by the guest and made immutable during the run.
 *
 * <p>Signals to kboot go at random offsets over a whole run (seeded; the seed is printed).
 * {@code -Dkboot.faultMatrix.kills=N} sets how many per signal: 3 by default (the CI run), 20
 * for the full matrix. Figures are printed at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = java.util.concurrent.TimeUnit.MINUTES)
class FaultMatrixIT {
    static final int KILLS = Integer.getInteger("kboot.faultMatrix.kills", 3);
    static final long SEED = Long.getLong("kboot.faultMatrix.seed", System.nanoTime());
    static final String POINT = "KBOOT-FAULT-POINT";
    static final List<String> FIGURES = new ArrayList<>();
    static long referenceMs;
    static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    @TempDir
    static Path dir;

    static Path workload;

    @BeforeAll
    static void workload() throws IOException {
        KbootProcess.assertSampleExists();
        workload = Files.writeString(dir.resolve("workload.yaml"), String.join("\n",
                "tests:",
                "  - {name: first, command: \"true\"}",
                "  - {name: point, command: \"echo " + POINT + " > /dev/console; sleep 4\", timeout: 10s}",
                "  - {name: last, command: \"true\"}",
                ""));
        System.out.println("fault matrix: seed " + SEED + ", " + KILLS + " kills per signal");
    }

    @AfterAll
    static void figures() {
        System.out.println("fault matrix figures (seed " + SEED + "):");
        FIGURES.forEach(f -> System.out.println("  " + f));
    }

    /** One kboot test run with its own runtime and results directories. */
    static final class Run {
        final String name;
        final Path runtime;
        final Path results;
        final KbootProcess kboot;
        final List<String[]> children = new ArrayList<>();
        final long started = System.nanoTime();

        Run(String name, Path results, List<String> extra, Path suite) throws IOException {
            this.name = name;
            this.runtime = dir.resolve("r" + RUNS.incrementAndGet()); // short: unix socket paths are at most 107 bytes
            this.results = results != null ? results : dir.resolve(name + "-results");
            List<String> args = new ArrayList<>(List.of("test", KbootProcess.SAMPLE.toString(), "--quiet", "--suite", "command:" + suite,
                    "--results", this.results.toString(), "--timeout-factor", "1"));
            args.addAll(extra);
            kboot = KbootProcess.start(runtime, args.toArray(String[]::new));
        }

        /** Remembers the children this run recorded so far (read before a fault ends the run). */
        void snapshotChildren() throws IOException {
            Path base = runtime.resolve("kboot");
            if (!Files.isDirectory(base)) {
                return;
            }
            try (Stream<Path> runs = Files.list(base)) {
                for (Path r : runs.toList()) {
                    try {
                        for (String l : Files.readAllLines(r.resolve("children"))) {
                            String[] f = l.trim().split("\\s+");
                            if (f.length >= 3 && children.stream().noneMatch(c -> c[0].equals(f[0]))) {
                                children.add(f);
                            }
                        }
                    } catch (IOException e) {
                        // gone or not there yet
                    }
                }
            }
        }

        /** @return the pid of the first recorded child whose name is {@code name}, once recorded */
        Optional<Long> child(String name) throws IOException {
            snapshotChildren();
            return children.stream().filter(c -> c[2].equals(name)).map(c -> Long.parseLong(c[0])).findFirst();
        }

        boolean consoleShows(String text) {
            try {
                Path log = results.resolve("console.log");
                return Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(text);
            } catch (IOException e) {
                return false;
            }
        }

        long elapsedMs() {
            return (System.nanoTime() - started) / 1_000_000;
        }

        int await() throws Exception {
            return kboot.await(Duration.ofMinutes(15));
        }

        Map<String, Status> statuses() {
            RunResult r = ResultsJson.read(results.resolve("results.json"));
            Map<String, Status> out = new LinkedHashMap<>();
            for (TestResult t : r.tests()) {
                out.put(t.id().toString(), t.status());
            }
            return out;
        }

        /** results.json is read by the strict reader, is finished, and names why it is incomplete. */
        RunResult finishedResults(boolean complete) {
            RunResult r = ResultsJson.read(results.resolve("results.json"));
            assertTrue(r.finished(), name + ": results.json is finished");
            assertEquals(complete, r.complete(), name + ": complete, incomplete: " + r.incompleteReasons());
            return r;
        }

        /** Nothing this kboot started is left: recorded children, processes naming its runtime, sockets, mounts. */
        void assertNothingLeft() throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<String> alive;
            do {
                alive = new ArrayList<>();
                for (String[] c : children) {
                    if (RunDirectory.startTicks(Long.parseLong(c[0])).map(c[1]::equals).orElse(false)) {
                        alive.add(c[2] + " " + c[0]);
                    }
                }
                alive.addAll(kboot.leftoverProcesses());
                if (alive.isEmpty()) {
                    break;
                }
                Thread.sleep(200);
            } while (System.nanoTime() < deadline);
            assertEquals(List.of(), alive, name + ": no child left running");
            assertEquals(List.of(), kboot.leftoverSockets(), name + ": no socket left");
            String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
            assertFalse(mounts.contains(runtime.toString()) || (mounts.contains(results.toString()) && !results.toString().contains("tmpfs")),
                    name + ": no mount left");
        }
    }

    static void until(String what, Duration limit, BooleanSupplier ready) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static void kill(String signal, long pid) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor();
    }

    static void figure(String line) {
        FIGURES.add(line);
        System.out.println("fault matrix: " + line);
    }

    @Test
    @Order(1)
    void noFaultIsTheReference() throws Exception {
        Run r = new Run("reference", null, List.of(), workload);
        assertEquals(0, r.await(), r.kboot.err());
        referenceMs = r.elapsedMs();
        r.finishedResults(true);
        assertEquals(Map.of("command/first", Status.PASS, "command/point", Status.PASS, "command/last", Status.PASS), r.statuses());
        r.snapshotChildren();
        r.assertNothingLeft();
        figure("reference run (no fault): " + referenceMs + " ms, exit 0");
    }

    @Test
    @Order(2)
    void signalsToKbootAtRandomOffsets() throws Exception {
        long span = referenceMs > 0 ? referenceMs : 30_000;
        Random random = new Random(SEED);
        Map<String, List<String>> outcomes = new LinkedHashMap<>();
        for (int i = 0; i < KILLS; i++) {
            for (String signal : List.of("INT", "TERM", "KILL")) {
                long offset = (long) (random.nextDouble() * span);
                String name = "sig" + signal + "-" + i;
                Run r = new Run(name, null, List.of(), workload);
                while (r.elapsedMs() < offset && r.kboot.process.isAlive()) {
                    r.snapshotChildren();
                    Thread.sleep(Math.min(50, Math.max(1, offset - r.elapsedMs())));
                }
                r.snapshotChildren();
                boolean running = r.kboot.process.isAlive();
                kill(signal, r.kboot.process.pid());
                int code = r.await();
                String outcome = offset + " ms: exit " + code;
                if (!running) {
                    outcome += " (ended before the signal)";
                    assertEquals(0, code, name + ": " + r.kboot.err());
                } else if (signal.equals("KILL")) {
                    assertTrue(code == 137 || code == 0, name + " at " + offset + " ms: exit " + code + "\n" + r.kboot.err());
                } else if (code == 143) {
                    // SIGTERM while the JVM itself was starting, before kboot's main installed its
                    // handler: the JVM's own 143 (README), and only then: kboot had started nothing.
                    assertEquals("TERM", signal, name + " at " + offset + " ms: exit 143");
                    assertEquals("", r.kboot.err(), name + " at " + offset + " ms: exit 143 after kboot began");
                    assertEquals(List.of(), r.children, name + " at " + offset + " ms: exit 143 after kboot started a child");
                    assertFalse(Files.exists(r.results), name + " at " + offset + " ms: exit 143 after kboot made --results");
                    outcome += " (the JVM was still starting)";
                } else {
                    // 130, or the run's own 0 when it had ended as the signal came
                    assertTrue(code == 130 || code == 0, name + " at " + offset + " ms: exit " + code + "\n" + r.kboot.err());
                }
                Path json = r.results.resolve("results.json");
                if (Files.exists(json)) {
                    RunResult res = ResultsJson.read(json); // valid, by the strict reader
                    if (!signal.equals("KILL")) {
                        assertTrue(res.finished(), name + " at " + offset + " ms: results.json is finished");
                    }
                    for (TestResult t : res.tests()) {
                        assertTrue(t.status() == Status.PASS || t.status() == Status.MISS, name + ": " + t.id() + " " + t.status() + " " + t.reason());
                    }
                    int journaled = assertJournalRead(r.results, res, name + " at " + offset + " ms");
                    if (journaled > 0) {
                        outcome += " (" + journaled + " in results.journal)";
                    }
                    outcome += ", " + res.tests().stream().filter(t -> t.status() == Status.PASS).count() + " passed";
                } else {
                    assertTrue(offset < span, name + ": no results.json");
                    outcome += ", no results.json yet";
                }
                r.assertNothingLeft();
                outcomes.computeIfAbsent(signal, k -> new ArrayList<>()).add(outcome);
            }
        }
        outcomes.forEach((signal, list) -> figure("SIG" + signal + " x" + list.size() + ": " + list));
    }

    /**
     * Every result results.journal records (its complete lines, read here on their own) is in the run
     * the results reader (kboot results show's) gives for an unfinished run, with the status the
     * journal's last line for it says (this workload's results are not rewritten after they are
     * recorded). A finished run's results.json holds everything; a journal left beside it is ignored.
     *
     * @return how many results the journal holds
     */
    private static int assertJournalRead(Path results, RunResult read, String what) throws IOException {
        Path journal = results.resolve("results.journal");
        if (!Files.exists(journal)) {
            return 0;
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String text = Files.readString(journal);
        Map<String, String> last = new LinkedHashMap<>();
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).lines().toList()) {
            com.fasterxml.jackson.databind.JsonNode t = json.readTree(line).path("test");
            if (!t.isMissingNode()) {
                last.put(t.path("id").asText(), t.path("status").asText());
            }
        }
        if (!read.finished()) {
            last.forEach((id, status) -> assertEquals(status, read.find(dev.kboot.harness.model.TestId.parse(id)).map(x -> x.status().key()).orElse(null),
                    what + ": " + id + " as results.journal says"));
        }
        return last.size();
    }

    @Test
    @Order(2)
    void sigkillOfKbootUnderATestKeepsEveryFinishedResult() throws Exception {
        // Where the random offsets may not land: after a test finished. The results reader (what
        // kboot results show reads) has every result the journal recorded, the first test's PASS.
        Run r = inject("kboot-killed-at-test", List.of(), workload, "test", run -> kill("KILL", run.kboot.process.pid()));
        assertEquals(137, r.await(), r.kboot.err());
        RunResult res = ResultsJson.read(r.results);
        assertFalse(res.finished());
        assertTrue(assertJournalRead(r.results, res, r.name) >= 1, r.name + ": results.journal holds the first test's result");
        assertEquals(Status.PASS, res.find(dev.kboot.harness.model.TestId.of("command", "first")).orElseThrow().status());
        r.assertNothingLeft();
        figure(r.name + ": exit 137; read back " + r.statuses());
    }

    /** The points of a run a fault is injected at: two of the boot, one under a test. */
    static final List<String> POINTS = List.of("boot", "initrd", "test");

    /**
     * A fault injected once the run reaches {@code point}: "boot" as QEMU is recorded (nothing
     * booted), "initrd" as the sample's initrd switches root (the store mounted, stage 2 and the
     * agent to come), "test" under the point test. Returns the run, not awaited.
     */
    private Run inject(String name, List<String> extra, Path suite, String point, ThrowingConsumer<Run> fault) throws Exception {
        Run r = new Run(name, null, extra, suite);
        switch (point) {
            case "boot" -> until(name + ": QEMU started", Duration.ofMinutes(10), () -> {
                try {
                    return r.child("qemu").isPresent() || !r.kboot.process.isAlive();
                } catch (IOException e) {
                    return false;
                }
            });
            case "initrd" -> until(name + ": the initrd switches root", Duration.ofMinutes(10), () -> r.consoleShows("switching root") || !r.kboot.process.isAlive());
            default -> until(name + ": the point test runs", Duration.ofMinutes(10), () -> r.consoleShows(POINT) || !r.kboot.process.isAlive());
        }
        r.snapshotChildren();
        assertTrue(r.kboot.process.isAlive(), name + ": kboot still runs at the point: " + r.kboot.err());
        fault.accept(r);
        return r;
    }

    interface ThrowingConsumer<T> {
        void accept(T t) throws Exception;
    }

    private static void incompleteAt(Run r, String point, Status atPoint) throws Exception {
        int code = r.await();
        assertEquals(2, code, r.name + ": " + r.kboot.err());
        r.finishedResults(false);
        Map<String, Status> st = r.statuses();
        if (point.equals("boot")) {
            assertEquals(Map.of(), st, r.name + ": nothing ran");
        } else if (point.equals("initrd")) {
            // the fault lands as stage 2 starts: how far the run got by then depends on the host's
            // load, what it says must not: nothing, or the tests that ran before it, then MISS
            List<Status> order = new ArrayList<>(st.values());
            int i = 0;
            while (i < order.size() && order.get(i) == Status.PASS) {
                i++;
            }
            if (i < order.size() && order.get(i) != Status.MISS) {
                i++; // the test the fault hit
            }
            assertTrue(order.subList(i, order.size()).stream().allMatch(x -> x == Status.MISS), r.name + ": " + st);
        } else {
            assertEquals(Status.PASS, st.get("command/first"), r.name + ": " + st);
            assertEquals(atPoint, st.get("command/point"), r.name + ": " + st);
            assertEquals(Status.MISS, st.get("command/last"), r.name + ": " + st);
        }
        assertFalse(r.kboot.err().contains("\tat "), r.name + ": no stack trace: " + r.kboot.err());
        r.assertNothingLeft();
        figure(r.name + ": exit " + code + " after " + r.elapsedMs() + " ms; " + st);
    }

    @Test
    @Order(3)
    void sigkillOfQemu() throws Exception {
        for (String point : POINTS) {
            Run r = inject("qemu-killed-at-" + point, List.of(), workload, point, run -> kill("KILL", run.child("qemu").orElseThrow()));
            incompleteAt(r, point, Status.CRASH);
        }
    }

    @Test
    @Order(4)
    void sigkillOfAVirtiofsd() throws Exception {
        for (String point : POINTS) {
            Run r = inject("virtiofsd-killed-at-" + point, List.of(), workload, point,
                    run -> kill("KILL", run.child("virtiofsd-store").orElseThrow()));
            incompleteAt(r, point, Status.ERROR);
            if (point.equals("test")) {
                assertTrue(r.finishedResults(false).incompleteReasons().toString().contains("virtiofsd-store"), r.kboot.err());
            }
        }
    }

    @Test
    @Order(5)
    void aGuestPanic() throws Exception {
        Run boot = new Run("panic-at-boot", null, List.of("--specialisation", "panic"), workload);
        incompleteAt(boot, "boot", null);
        Path panics = Files.writeString(dir.resolve("panic.yaml"), workloadWith("echo 1 > /proc/sys/kernel/sysrq; echo " + POINT + " > /dev/console; echo c > /proc/sysrq-trigger"));
        Run test = inject("panic-at-test", List.of(), panics, "test", run -> { });
        incompleteAt(test, "test", Status.CRASH);
    }

    @Test
    @Order(6)
    void aGuestHang() throws Exception {
        Run boot = new Run("hang-at-boot", null, List.of("--specialisation", "hang", "--agent-timeout", "20s"), workload);
        incompleteAt(boot, "boot", null);
        // The whole guest stops (vCPUs and devices): QEMU is SIGSTOPped under the point test.
        Run test = inject("hang-at-test", List.of(), workload, "test", run -> kill("STOP", run.child("qemu").orElseThrow()));
        incompleteAt(test, "test", Status.TIMEOUT);
    }

    @Test
    @Order(7)
    void theAgentKilled() throws Exception {
        Path under = Files.writeString(dir.resolve("agent-under.yaml"), workloadWith("echo " + POINT + " > /dev/console; kill -9 $PPID; sleep 4"));
        incompleteAt(inject("agent-killed-under-a-test", List.of(), under, "test", run -> { }), "test", Status.CRASH);
        // Killed from the side, 1 s into the point test: the agent restarts while the test waits.
        Path aside = Files.writeString(dir.resolve("agent-aside.yaml"), workloadWith(
                "a=$PPID; (sleep 1; kill -9 $a) >/dev/null 2>&1 & echo " + POINT + " > /dev/console; sleep 4"));
        incompleteAt(inject("agent-killed-aside", List.of(), aside, "test", run -> { }), "test", Status.CRASH);
    }

    private static String workloadWith(String pointCommand) {
        return String.join("\n",
                "tests:",
                "  - {name: first, command: \"true\"}",
                "  - {name: point, command: '" + pointCommand.replace("'", "''") + "', timeout: 20s}",
                "  - {name: last, command: \"true\"}",
                "");
    }

    private static void mount(Path where, String options) throws Exception {
        Files.createDirectories(where);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "kboot-fault-tmpfs", where.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "mount " + options + ": " + out);
    }

    private static void umount(Path where) throws Exception {
        new ProcessBuilder("umount", "-l", where.toString()).start().waitFor();
    }

    @Test
    @Order(8)
    void theResultsDirectoryUnwritableOrFull() throws Exception {
        Assumptions.assumeTrue("0".equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString()), "needs root to mount a tmpfs");
        // Unwritable (a read-only tmpfs: root writes anywhere else): refused before anything boots.
        Path ro = dir.resolve("tmpfs-ro");
        mount(ro, "ro,size=1m");
        try {
            Run r = new Run("results-unwritable", ro.resolve("results"), List.of(), workload);
            assertEquals(73, r.await(), r.kboot.err());
            assertTrue(r.kboot.err().contains("cannot write there"), r.kboot.err());
            r.assertNothingLeft();
            figure("results unwritable: exit 73 before booting");
        } finally {
            umount(ro);
        }
        // Full from the start: nothing can be written, nothing boots.
        Path full = dir.resolve("tmpfs-full");
        mount(full, "size=64k");
        try {
            Files.createDirectories(full.resolve("results"));
            try (var out = Files.newOutputStream(full.resolve("filler"))) {
                out.write(new byte[64 << 10]);
            } catch (IOException e) {
                // full
            }
            Run r = new Run("results-full-at-start", full.resolve("results"), List.of(), workload);
            assertEquals(73, r.await(), r.kboot.err());
            r.assertNothingLeft();
            figure("results on a full tmpfs at start: exit 73");
        } finally {
            umount(full);
        }
        // Filling up during the run: the guest fills the writable share (on the same tmpfs).
        Path filling = dir.resolve("tmpfs-filling");
        mount(filling, "size=4m");
        try {
            Path fill = Files.writeString(dir.resolve("fill.yaml"), workloadWith("mkdir -p /run/kboot/xfer && mount -t virtiofs kboot-xfer /run/kboot/xfer"
                    + " && echo " + POINT + " > /dev/console; dd if=/dev/zero of=/run/kboot/xfer/fill bs=64k 2>/dev/null; true"));
            Run r = new Run("results-filled-during-the-run", filling.resolve("results"), List.of(), fill);
            int code = r.await();
            r.snapshotChildren();
            assertEquals(73, code, r.kboot.err());
            assertTrue(r.kboot.err().contains("cannot write the results"), r.kboot.err());
            RunResult res = ResultsJson.read(r.results.resolve("results.json")); // the last good version
            assertEquals(Status.PASS, res.find(dev.kboot.harness.model.TestId.of("command", "first")).orElseThrow().status());
            r.assertNothingLeft();
            figure("results on a tmpfs filled during the run: exit 73, results.json valid with " + res.tests().stream()
                    .filter(t -> t.status() == Status.PASS).count() + " passed");
        } finally {
            umount(filling);
        }
        // Made unwritable under the point test: the results directory immutable (chattr +i, which
        // stops root too), so the results written after that test cannot be renamed into place.
        try {
            Run r = inject("results-unwritable-during-the-run", List.of(), workload, "test", run -> chattr("+i", run.results));
            int code = r.await();
            assertEquals(73, code, r.kboot.err());
            assertTrue(r.kboot.err().contains("cannot write the results"), r.kboot.err());
            assertFalse(r.kboot.err().contains("\tat "), r.name + ": no stack trace: " + r.kboot.err());
            RunResult res = ResultsJson.read(r.results.resolve("results.json")); // the last good version
            assertEquals(Status.PASS, res.find(dev.kboot.harness.model.TestId.of("command", "first")).orElseThrow().status());
            r.assertNothingLeft();
            figure("results made unwritable during the run: exit 73, results.json valid with " + res.tests().stream()
                    .filter(t -> t.status() == Status.PASS).count() + " passed");
        } finally {
            new ProcessBuilder("chattr", "-i", dir.resolve("results-unwritable-during-the-run-results").toString()).start().waitFor();
        }
    }

    private static void chattr(String flag, Path where) throws Exception {
        Process p = new ProcessBuilder("chattr", flag, where.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "chattr " + flag + " " + where + ": " + out);
    }
}
