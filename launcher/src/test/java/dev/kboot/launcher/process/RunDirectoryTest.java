package dev.kboot.launcher.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {
    @TempDir
    Path base;

    @Test
    void isPrivateAndRemovedWhenFinished() throws Exception {
        RunDirectory run = RunDirectory.create(base);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run.path())));
        Files.writeString(run.resolve("x.log"), "log");
        run.close();
        assertFalse(Files.exists(run.path()));
    }

    @Test
    void keepsOnlyLogsAfterAFailure() throws Exception {
        RunDirectory run = RunDirectory.create(base);
        Files.writeString(run.resolve("qemu.log"), "log");
        Files.writeString(run.resolve("other"), "x");
        run.finish(true);
        assertTrue(Files.exists(run.resolve("qemu.log")));
        assertFalse(Files.exists(run.resolve("other")));
        assertFalse(Files.exists(run.resolve("children")));
        assertTrue(Files.exists(run.resolve("ended")));
        assertEquals(List.of(), RunDirectory.reapStale(base), "kept logs are not reaped while fresh");
    }

    @Test
    void reapsWhatADeadOwnerLeft() throws Exception {
        // A run whose owner died: a real child still running, recorded with its start time.
        Path run = Files.createDirectory(base.resolve("run-1-x"));
        Process orphan = new ProcessBuilder("sleep", "300").start();
        Files.writeString(run.resolve("owner"), "999999 1\n");
        Files.writeString(run.resolve("children"), orphan.pid() + " " + RunDirectory.startTicks(orphan.pid()).orElseThrow() + " qemu\n");
        assertEquals(List.of(run), RunDirectory.reapStale(base));
        await().atMost(Duration.ofSeconds(5)).until(() -> !orphan.isAlive());
        assertFalse(Files.exists(run));
    }

    @Test
    void neverSignalsAReusedPid() throws Exception {
        Path run = Files.createDirectory(base.resolve("run-2-x"));
        Process bystander = new ProcessBuilder("sleep", "300").start();
        try {
            Files.writeString(run.resolve("owner"), "999999 1\n");
            // right pid, wrong start time: the pid was reused by someone else
            Files.writeString(run.resolve("children"), bystander.pid() + " 1 qemu\n");
            RunDirectory.reapStale(base);
            assertTrue(bystander.isAlive());
        } finally {
            bystander.destroyForcibly();
        }
    }

    @Test
    void theOutOfProcessReaperStopsChildrenWhenItsPipeCloses() throws Exception {
        // The reaper is told each child on its stdin; when the owning JVM dies (even by SIGKILL)
        // the kernel closes the pipe. Here a reaper's pipe is closed by hand, with the run
        // directory already gone (the reaper must not need it).
        Process child = new ProcessBuilder("sleep", "300").start();
        Process bystander = new ProcessBuilder("sleep", "300").start();
        Process reaper = new ProcessBuilder("/bin/sh", "-c", RunDirectory.REAPER_SCRIPT, "kboot-reaper", base.resolve("gone").toString()).start();
        try (var in = reaper.getOutputStream()) {
            in.write((child.pid() + " " + RunDirectory.startTicks(child.pid()).orElseThrow() + " qemu\n").getBytes());
            in.write((bystander.pid() + " 1 virtiofsd\n").getBytes()); // a reused pid: never signalled
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !child.isAlive());
        await().atMost(Duration.ofSeconds(10)).until(() -> !reaper.isAlive());
        assertTrue(bystander.isAlive());
        bystander.destroyForcibly();
    }

    /** @return a child whose command line names a file in {@code dir} ({@code tail -f DIR/console.log}, made empty first) */
    private static Process tailing(Path dir) throws java.io.IOException {
        Path log = Files.writeString(dir.resolve("console.log"), "");
        return new ProcessBuilder("tail", "-f", log.toString()).start();
    }

    @Test
    void theReaperAlsoStopsAnUnrecordedChildThatNamesTheRunDirectory() throws Exception {
        // SIGKILL between a child's start and its record: the reaper finds it by the run
        // directory's paths on its command line (QEMU's and virtiofsd's sockets are there).
        Path run = Files.createDirectories(base.resolve("run-1-abc"));
        Path other = Files.createDirectories(base.resolve("run-1-abcd"));
        Process orphan = tailing(run);
        Process bystander = tailing(other);
        try {
            Process reaper = new ProcessBuilder("/bin/sh", "-c", RunDirectory.REAPER_SCRIPT, "kboot-reaper", run.toString()).start();
            reaper.getOutputStream().close(); // the owner died before recording anything
            await().atMost(Duration.ofSeconds(10)).until(() -> !orphan.isAlive());
            await().atMost(Duration.ofSeconds(10)).until(() -> !reaper.isAlive());
            assertTrue(bystander.isAlive(), "another run's directory only shares a prefix");
        } finally {
            orphan.destroyForcibly();
            bystander.destroyForcibly();
        }
    }

    @Test
    void reapStaleAlsoStopsAnUnrecordedChildThatNamesTheRunDirectory() throws Exception {
        // SIGKILL between a child's start and its record, and the reaper script gone too: the next
        // kboot finds the child by the stale run directory's paths on its command line.
        Path run = Files.createDirectories(base.resolve("run-3-abc"));
        Path other = Files.createDirectories(base.resolve("run-3-abcd"));
        Files.writeString(run.resolve("owner"), "999999 1\n");
        Files.writeString(run.resolve("children"), "");
        Files.writeString(other.resolve("owner"), "999999 1\n");
        Files.writeString(other.resolve("children"), "");
        Files.writeString(other.resolve("ended"), "");
        Process orphan = tailing(run);
        Process bystander = tailing(other);
        try {
            assertEquals(List.of(run), RunDirectory.reapStale(base), "the failed run that kept its logs stays");
            await().atMost(Duration.ofSeconds(10)).until(() -> !orphan.isAlive());
            assertFalse(Files.exists(run));
            assertTrue(bystander.isAlive(), "another run's directory only shares a prefix, and that run is not stale");
        } finally {
            orphan.destroyForcibly();
            bystander.destroyForcibly();
        }
    }

    @Test
    void theReaperStopsNothingWhenTheRunEndedNormally() throws Exception {
        RunDirectory run = RunDirectory.create(base);
        Process child = new ProcessBuilder("sleep", "300").start();
        try {
            run.recordChild("sleep", child.toHandle());
            run.close();
            Thread.sleep(1500);
            assertTrue(child.isAlive(), "the run's owner stops its own children; the reaper only acts when the owner died");
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aChildThatCannotBeRecordedIsStoppedAtOnce() throws Exception {
        // The run has ended (Ctrl-C's hook finished it while the boot went on), so nothing could
        // ever stop a child started now: starting one fails, and the child does not survive it.
        RunDirectory run = RunDirectory.create(base);
        run.finish(true);
        Path log = base.resolve("sleep.log");
        Files.createFile(log);
        dev.kboot.launcher.KbootException e = org.junit.jupiter.api.Assertions.assertThrows(dev.kboot.launcher.KbootException.class,
                () -> ManagedProcess.start("sleeper", List.of("sleep", "312"), log, run, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("cannot record sleeper"), e.getMessage());
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.allProcesses()
                .noneMatch(p -> p.parent().map(pp -> pp.pid() == ProcessHandle.current().pid()).orElse(false)
                        && p.info().commandLine().map(c -> c.equals("sleep 312")).orElse(false)));
    }

    @Test
    void onlyTheMostRecentFailedRunsKeepTheirLogs() throws Exception {
        for (int i = 0; i < RunDirectory.KEEP_FAILED + 3; i++) {
            Path run = Files.createDirectory(base.resolve("run-9-" + i));
            Files.writeString(run.resolve("qemu.log"), "log " + i);
            Files.writeString(run.resolve("ended"), "x");
            Files.setLastModifiedTime(run.resolve("ended"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - (100 - i) * 1000L));
        }
        List<Path> removed = RunDirectory.reapStale(base);
        assertEquals(3, removed.size(), removed.toString());
        for (int i = 0; i < 3; i++) {
            assertFalse(Files.exists(base.resolve("run-9-" + i)), "the oldest went: " + i);
        }
        for (int i = 3; i < RunDirectory.KEEP_FAILED + 3; i++) {
            assertTrue(Files.exists(base.resolve("run-9-" + i)), "the newest stay: " + i);
        }
    }

    @Test
    void theReaperMarksWhatItLeavesAsAFailedRun() throws Exception {
        Path run = Files.createDirectory(base.resolve("run-3-x"));
        Files.writeString(run.resolve("qemu.log"), "log");
        Files.createDirectory(run.resolve("xfer"));
        Files.writeString(run.resolve("xfer/big"), "artifacts");
        Process reaper = new ProcessBuilder("/bin/sh", "-c", RunDirectory.REAPER_SCRIPT, "kboot-reaper", run.toString()).start();
        reaper.getOutputStream().close(); // the owner died
        await().atMost(Duration.ofSeconds(10)).until(() -> !reaper.isAlive());
        assertTrue(Files.exists(run.resolve("ended")), "counted among the failed runs kept");
        assertTrue(Files.exists(run.resolve("qemu.log")));
        assertFalse(Files.exists(run.resolve("xfer")), "a transfer share in the run directory does not fill the tmpfs");
    }
}
