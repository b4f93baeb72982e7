package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the real {@code bin/kboot} as a child process, the way users and CI do, with its own
 * runtime directory so that leftovers (processes, sockets) of exactly this run can be checked.
 */
final class KbootProcess {
    static final Path REPO = Paths.get(System.getProperty("kboot.repo", "..")).toAbsolutePath().normalize();
    static final Path SAMPLE = Paths.get(System.getProperty("kboot.sample", REPO.resolve(".cache/sample/result").toString()));

    final Process process;
    final Path runtime;
    final Path stdout;
    final Path stderr;

    KbootProcess(Process process, Path runtime, Path stdout, Path stderr) {
        this.process = process;
        this.runtime = runtime;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static KbootProcess start(Path runtime, String... args) throws IOException {
        return startIn(null, runtime, args);
    }

    /** Like {@link #start}, in working directory {@code cwd} (null: this JVM's), where relative paths in {@code args} resolve. */
    static KbootProcess startIn(Path cwd, Path runtime, String... args) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add(REPO.resolve("bin/kboot").toString());
        argv.addAll(List.of(args));
        Files.createDirectories(runtime);
        Path out = runtime.resolve("stdout.txt");
        Path err = runtime.resolve("stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        return new KbootProcess(pb.start(), runtime, out, err);
    }

    /**
     * Starts bin/kboot on a pseudo-terminal (util-linux {@code script}), as a user at a terminal runs it;
     * everything it writes to the terminal (stdout and stderr) goes to {@link #stdout}.
     */
    static KbootProcess startOnTerminal(Path runtime, String... args) throws IOException {
        StringBuilder cmd = new StringBuilder(dev.kboot.launcher.guest.Sh.quote(REPO.resolve("bin/kboot").toString()));
        for (String a : args) {
            cmd.append(' ').append(dev.kboot.launcher.guest.Sh.quote(a));
        }
        Files.createDirectories(runtime);
        Path out = runtime.resolve("terminal.txt");
        Path err = runtime.resolve("script-stderr.txt");
        ProcessBuilder pb = new ProcessBuilder("script", "-qefc", cmd.toString(), "/dev/null")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        pb.environment().put("TERM", "xterm");
        pb.environment().put("COLUMNS", "120");
        pb.environment().remove("NO_COLOR");
        return new KbootProcess(pb.start(), runtime, out, err);
    }

    /** Runs to the end (at most {@code limit}) and returns the exit code. */
    int await(Duration limit) throws Exception {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kboot did not end within " + limit + "\nstderr:\n" + err());
        }
        return process.exitValue();
    }

    String out() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    String err() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    /** @return QEMU, virtiofsd and reaper processes whose command line mentions this run's runtime directory */
    List<String> leftoverProcesses() {
        String mark = runtime.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(mark)
                        && (c.contains("qemu-system") || c.contains("virtiofsd") || c.contains("kboot-reaper"))).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList();
    }

    /** @return unix sockets left under this run's runtime directory */
    List<Path> leftoverSockets() throws IOException {
        try (Stream<Path> s = Files.walk(runtime)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".sock") || isSocket(p)).toList();
        }
    }

    private static boolean isSocket(Path p) {
        try {
            return !Files.isRegularFile(p) && !Files.isDirectory(p) && !Files.isSymbolicLink(p) && Files.exists(p);
        } catch (SecurityException e) {
            return false;
        }
    }

    void assertNothingLeft() throws IOException {
        assertEquals(List.of(), leftoverProcesses(), "no QEMU, virtiofsd or reaper left running");
        assertEquals(List.of(), leftoverSockets(), "no socket left");
    }

    static void assertSampleExists() {
        assertTrue(Files.exists(SAMPLE.resolve("boot.json")), "the sample closure is built (sample/build-closure.sh): " + SAMPLE);
    }
}
