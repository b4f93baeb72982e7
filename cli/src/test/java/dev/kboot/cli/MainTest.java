package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import java.nio.file.Path;
import picocli.CommandLine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's contract: exit codes, one-line errors, --dry-run. Nothing here boots. */
class MainTest {
    @TempDir
    Path dir;
    SyntheticClosure closure;

    @BeforeEach
    void closure() throws Exception {
        closure = new SyntheticClosure(dir);
    }

    private String top() {
        return closure.toplevel.toString();
    }

    private static void oneLineError(Cli r, int code, String contains) {
        assertEquals(code, r.code(), r.err());
        assertTrue(r.err().contains(contains), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(r.err().startsWith("kboot: "), r.err());
    }

    @picocli.CommandLine.Command(name = "boom")
    static final class Boom implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0")
        String what;

        @Override
        public Integer call() {
            if (what.equals("oom")) {
                throw new OutOfMemoryError("Java heap space (test)");
            }
            throw new dev.kboot.launcher.guest.CommandFailedException("`mount -t virtiofs kboot-xfer /run/kboot/xfer` exited with status 32", null);
        }
    }

    @Test
    void whatIsNotAnExceptionOrAGuestCommandKbootNeededIs125InOneLine() {
        for (String what : new String[] {"oom", "command"}) {
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            java.io.PrintStream errStream = new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8);
            picocli.CommandLine cl = Main.commandLine(System.out, errStream);
            cl.addSubcommand("boom", new Boom());
            cl.setErr(new java.io.PrintWriter(errStream, true));
            int code = Main.execute(cl, errStream, "boom", what);
            String text = err.toString(java.nio.charset.StandardCharsets.UTF_8);
            oneLineError(new Cli(code, "", text), 125, what.equals("oom") ? "OutOfMemoryError" : "a guest command kboot needed failed: `mount");
            assertEquals(1, text.strip().lines().count(), text);
        }
    }

    @Test
    void aBadTimeoutFactorOrUnwritableResultsEndBeforeAnythingBoots() throws Exception {
        oneLineError(Cli.run("test", top(), "--suite", "command:kernel-modules", "--timeout-factor", "0", "--results", dir.resolve("r").toString()),
                64, "--timeout-factor 0");
        oneLineError(Cli.run("test", top(), "--suite", "command:kernel-modules", "--timeout-factor", "fast", "--results", dir.resolve("r").toString()),
                64, "--timeout-factor fast");
        Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
        oneLineError(Cli.run("test", top(), "--suite", "command:kernel-modules", "--results", file.resolve("results").toString()),
                73, "--results " + file.resolve("results") + ": cannot write there");
    }

    @Test
    void version() {
        Cli r = Cli.run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().matches("kboot \\d+\\.\\d+\\.\\d+.*\\s*"), r.out());
    }

    /**
     * Runs {@code args} on the whole annotated command line and on what {@link Main#run} builds for
     * them, and asserts the same exit code, stdout and stderr.
     *
     * @return the exit code
     */
    private static int sameAsTheWholeCommandLine(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = Main.commandLine(new java.io.PrintStream(out, true), new java.io.PrintStream(err, true)).execute(args);
        Cli r = Cli.run(args);
        String what = String.join(" ", args);
        assertEquals(code, r.code(), what);
        assertEquals(out.toString(), r.out(), what);
        assertEquals(err.toString(), r.err(), what);
        return code;
    }

    @Test
    void theLeanCommandLineSaysWhatTheWholeOneSays() {
        for (String[] args : new String[][] {{"run", "--help"}, {"test", "--help"}, {"results", "show", "--help"}, {"doctor", "--help"},
                {"--version"}, {"run", "--no-such-flag"}, {"results", "show"}, {"results", "compare", "--help"}, {"results", "--help"},
                {"results"}, {"results", "no-such-command"}, {"results", "show", "--no-such-flag", "x"}, {"libvirt", "status", "--help"},
                {"results", "show", "--version"}}) {
            sameAsTheWholeCommandLine(args);
        }
    }

    @Test
    void resultsShowAndCompareBuiltWithoutAnnotationsSayWhatTheWholeCommandLineSays() throws Exception {
        // `kboot results show|compare` run on a model built without annotations when their arguments parse
        // (FastModel): the same output, errors and exit codes as the annotated model
        Path json = dir.resolve("results.json");
        java.nio.file.Files.writeString(json, "{\"schema\":\"kboot-results/1\",\"run\":{\"kernelRelease\":\"6.1.0\",\"accelerator\":\"tcg\"},"
                + "\"tests\":[{\"id\":\"kselftest/timers/a\",\"status\":\"pass\",\"durationMs\":1234},"
                + "{\"id\":\"kselftest/timers/b\",\"status\":\"fail\",\"reason\":\"exit status 1\",\"durationMs\":null}]}");
        java.nio.file.Files.writeString(dir.resolve("bad.json"), "{\"schema\":\"kboot-results/1\",\"run\":{},\"tests\":[{\"id\":\"a/b\"}]}");
        String f = json.toString();
        for (String[] args : new String[][] {{"results", "show", f}, {"results", "show", dir.toString()}, {"results", "show", "--failures", f},
                {"results", "show", "--json", "--failures", f}, {"results", "show", "-qv", "--no-color", f}, {"results", "show", "--color=always", f},
                {"results", "show", "--color", "never", "--debug", f}, {"results", "show", "--color", "maybe", f}, {"results", "show", "--", f},
                {"results", "show", dir.resolve("nowhere").toString()}, {"results", "show", dir.resolve("bad.json").toString()},
                {"results", "show", f, "extra"}, {"results", "show", "-h", f}, {"results", "show", f, "-V"}, {"results", "--help", "show"},
                {"results", "show", "-qh", f}, {"results", "show", "--color"}, {"results", "show", "--json=yes", f},
                {"results", "compare", f, f}, {"results", "compare", "--all", "--json", f, dir.toString()}, {"results", "compare", "-q", "--all", f, f},
                {"results", "compare", f}, {"results", "compare", f, f, f}, {"results", "compare", "--help", f, f}, {"results", "compare", f, "--bogus", f},
                {"results", "compare", f, dir.resolve("bad.json").toString()}, {"results", "compare", dir.resolve("nowhere").toString(), f}}) {
            sameAsTheWholeCommandLine(args);
        }
        assertTrue(Cli.run("results", "show", f).out().contains("FAIL      kselftest/timers/b          -  exit status 1"));
    }

    @Test
    void bootCommandsRefusedOrAskingForHelpOnTheFastModelSayWhatTheWholeCommandLineSays() {
        // `kboot run|shell|test` parse on FastModel's model; what it refuses or where help is asked
        // for goes to the annotated model: the same output, message and exit code (64) as the whole one
        String t = top();
        for (String[] args : new String[][] {{"run", t, "--cpus", "lots"}, {"run", t, "--qemu-arg"}, {"run", "--bogus"}, {"run", t, "--dry-run=maybe"},
                {"run", t, "--memory", "1G", "--memory", "2G"}, {"run", t, "-h"}, {"run", "--help"}, {"run", t, "--color"}, {"run", t, "-x"},
                {"test", t}, {"test", t, "--suite"}, {"test", t, "--suite", "a", "--jobs", "x"}, {"test", "--suite", "a", "--help"},
                {"shell", t, "extra"}, {"shell", t, "--dry-run"}, {"shell", "-V"}}) {
            int code = sameAsTheWholeCommandLine(args);
            assertTrue(code == 0 || code == 64, String.join(" ", args) + ": " + code);
        }
    }

    @Test
    void noOptionNeedsTheConvertersMainLeavesOut() {
        // Main.main sets picocli.converters.excludes to skip the java.sql and java.time converters
        // (start-up): an option of such a type would then fail to convert, so none may have one
        java.util.regex.Pattern excluded = java.util.regex.Pattern.compile("java\\.sql\\..*|java\\.time\\..*");
        java.util.List<CommandLine> todo = new java.util.ArrayList<>(java.util.List.of(Main.commandLine(System.out, System.err)));
        int args = 0;
        while (!todo.isEmpty()) {
            CommandLine cl = todo.remove(todo.size() - 1);
            todo.addAll(cl.getSubcommands().values());
            for (CommandLine.Model.ArgSpec a : cl.getCommandSpec().args()) {
                args++;
                java.util.List<Class<?>> types = new java.util.ArrayList<>(java.util.List.of(a.auxiliaryTypes()));
                types.add(a.type());
                for (Class<?> t : types) {
                    assertFalse(excluded.matcher(t.getName()).matches(), cl.getCommandSpec().qualifiedName() + " " + a + ": " + t.getName());
                }
            }
        }
        assertTrue(args > 100, args + " arguments seen");
        for (String type : new String[] {"java.sql.Time", "java.time.Duration", "java.time.ZoneId"}) {
            assertTrue(java.util.Arrays.stream(Main.EXCLUDED_CONVERTERS.split(",")).anyMatch(type::matches), type);
        }
        assertFalse(java.util.Arrays.stream(Main.EXCLUDED_CONVERTERS.split(",")).anyMatch("java.nio.file.Path"::matches), "Path stays");
    }

    @Test
    void helpListsTheExitCodes() {
        Cli r = Cli.run("--help");
        assertEquals(0, r.code());
        for (String s : new String[] {"run", "Exit codes:", " 64 ", " 65 ", " 66 ", " 69 ", "124", "125", "255"}) {
            assertTrue(r.out().contains(s), s + " in " + r.out());
        }
        // and every subcommand's help, from the same ExitCode meanings
        for (String[] sub : new String[][] {{"run", "--help"}, {"results", "import", "--help"}, {"libvirt", "define", "--help"}}) {
            String help = Cli.run(sub).out();
            for (ExitCode c : ExitCode.values()) {
                assertTrue(help.matches("(?s).*\\n\\s*" + c.code() + "\\s+" + java.util.regex.Pattern.quote(c.meaning().substring(0, 20)) + ".*"),
                        String.join(" ", sub) + " lacks " + c.code() + ": " + help);
            }
        }
    }

    @Test
    void unknownOptionIs64() {
        oneLineError(Cli.run("run", top(), "--no-such-flag"), 64, "Unknown option: '--no-such-flag'");
        oneLineError(Cli.run("run"), 64, "Missing required parameter: 'RESULT'");
    }

    @Test
    void badValuesAre64() {
        oneLineError(Cli.run("run", top(), "--memory", "lots", "--dry-run"), 64, "--memory: 'lots' is not a size");
        oneLineError(Cli.run("run", top(), "--timeout", "soon", "--dry-run"), 64, "--timeout: 'soon' is not a duration");
        oneLineError(Cli.run("run", top(), "--accel", "hvf", "--dry-run"), 64, "--accel hvf: expected auto, kvm or tcg");
        oneLineError(Cli.run("run", top(), "--cpus", "0", "--dry-run"), 64, "--cpus 0");
        oneLineError(Cli.run("run", top(), "--machine", "pc", "--dry-run"), 64, "--machine pc: expected auto, microvm or q35");
        oneLineError(Cli.run("run", top(), "--specialisation", "nope", "--dry-run"), 64, "has no specialisations");
    }

    @Test
    void malformedBootJsonIs65NamingTheKey() throws Exception {
        closure.writeBootJson(closure.bootJson().replace("\"kernelParams\":[\"loglevel=4\"]", "\"kernelParams\":{}"));
        Cli r = Cli.run("run", top(), "--dry-run");
        oneLineError(r, 65, "boot.json: key 'org.nixos.bootspec.v1.kernelParams': expected an array of strings, found an object");
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void debugShowsTheStackTrace() throws Exception {
        closure.writeBootJson("{");
        Cli r = Cli.run("run", top(), "--dry-run", "--debug");
        assertEquals(65, r.code());
        assertTrue(r.err().contains("\tat dev.kboot"), r.err());
    }

    @Test
    void missingFilesAre66() {
        oneLineError(Cli.run("run", dir.resolve("nope").toString(), "--dry-run"), 66, "closure not found");
        oneLineError(Cli.run("run", top(), "--kernel", dir.resolve("bzImage").toString(), "--dry-run"), 66, "--kernel not found");
        oneLineError(Cli.run("run", top(), "--initrd", dir.resolve("initrd").toString(), "--dry-run"), 66, "--initrd not found");
        oneLineError(Cli.run("run", top(), "--modules", dir.resolve("mods").toString(), "--dry-run"), 66, "--modules directory not found");
    }

    @Test
    void unusableToolsAre69() {
        oneLineError(Cli.run("run", top(), "--qemu", dir.resolve("qemu").toString(), "--dry-run"), 69, "qemu");
        oneLineError(Cli.run("run", top(), "--virtiofsd", "/bin/true", "--dry-run"), 69, "does not look like virtiofsd");
    }

    @Test
    void dryRunPrintsTheCommandLinesAndStartsNothing() {
        Cli r = Cli.run("run", top(), "--dry-run", "--no-fast", "--accel", "tcg", "--cpus", "3", "--memory", "768M", "--append", "quiet",
                "--qemu-arg", "-device", "--qemu-arg", "virtio-balloon-pci");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("virtiofsd for tag 'store'") && out.contains("source=" + closure.store), out);
        assertTrue(out.contains("virtiofsd for tag 'modules'") && out.contains("bbbb-linux-6.6.1/lib/modules"), out);
        String qemu = out.lines().filter(l -> l.contains("qemu-system-x86_64")).findFirst().orElseThrow();
        assertTrue(qemu.contains("-accel tcg -cpu max -smp 3 -m 768M"), qemu);
        assertTrue(qemu.contains("memory-backend-memfd,id=mem,size=768M,share=on"), qemu);
        assertTrue(qemu.contains("'loglevel=4 root=tmpfs console=ttyS0,115200 console=hvc0 init=/nix/store/aaaa-nixos-system-test/init panic=-1"), qemu);
        assertTrue(qemu.contains(" quiet'"), "--append comes last: " + qemu);
        assertTrue(qemu.endsWith("-device virtio-balloon-pci"), qemu);
        assertTrue(qemu.contains("-kernel " + closure.store.resolve("bbbb-linux-6.6.1/bzImage")), "no PVH ELF in the synthetic kernel: " + qemu);
    }

    @Test
    void qemuArgTakesValuesThatLookLikeKbootsShortOptions() {
        // -icount starts like -i (--interactive), -vga like -v (--verbose): QEMU's, passed as they are
        Cli r = Cli.run("run", top(), "--dry-run", "--accel", "tcg", "--qemu-arg=-icount", "--qemu-arg", "shift=0",
                "--qemu-arg", "-vga", "--qemu-arg=std");
        assertEquals(0, r.code(), r.err());
        String qemu = r.out().lines().filter(l -> l.contains("qemu-system-x86_64")).findFirst().orElseThrow();
        assertTrue(qemu.endsWith("-icount shift=0 -vga std"), qemu);
        assertEquals(2, qemu.split("-icount").length, "once (a model parsed twice would append them again): " + qemu);
        oneLineError(Cli.run("run", top(), "--dry-run", "--qemu-arg"), 64, "--qemu-arg");
    }

    @Test
    void fastAddsItsParametersBeforeAppendAndDryRunNamesThem() {
        Cli r = Cli.run("run", top(), "--dry-run", "--accel", "tcg", "--fast", "--append", "quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("# --fast adds to the kernel command line: cryptomgr.notests initcall_blacklist=crypto_kdf108_init\n"), r.out());
        String qemu = r.out().lines().filter(l -> l.contains("qemu-system-x86_64")).findFirst().orElseThrow();
        assertTrue(qemu.matches(".* panic=-1 no_timer_check( tsc_early_khz=\\d+)? cryptomgr.notests initcall_blacklist=crypto_kdf108_init quiet' .*"), qemu);
        // under TCG --fast boots QEMU's default CPU model, and says so
        assertTrue(r.out().contains("# --fast under TCG: QEMU's default CPU model instead of -cpu max\n"), r.out());
        assertFalse(qemu.contains(" -cpu "), qemu);

        // kboot run boots fast by default (documented); --no-fast boots the kernel as configured
        Cli byDefault = Cli.run("run", top(), "--dry-run", "--accel", "tcg");
        assertEquals(r.out().replace(" quiet'", "'"), byDefault.out());
        Cli plain = Cli.run("run", top(), "--dry-run", "--accel", "tcg", "--no-fast");
        assertFalse(plain.out().contains("cryptomgr.notests"), plain.out());
        assertFalse(plain.out().contains("--fast"), plain.out());
        assertTrue(plain.out().contains(" -cpu max "), plain.out());
    }

    @Test
    void kbootTestAddsNothingUnlessAskedForFastAndRunAndShellBootFastUnlessToldNot() {
        for (String cmd : new String[] {"run", "shell"}) {
            for (String flag : new String[] {null, "--fast", "--no-fast"}) {
                picocli.CommandLine cl = Main.commandLine(System.out, System.err);
                java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(cmd, top()));
                if (flag != null) {
                    args.add(flag);
                }
                cl.parseArgs(args.toArray(String[]::new));
                BootOptions boot = cmd.equals("run") ? ((RunCommand) cl.getSubcommands().get(cmd).getCommand()).boot
                        : ((ShellCommand) cl.getSubcommands().get(cmd).getCommand()).boot;
                assertEquals(!"--no-fast".equals(flag), boot.toRequest(true, true).fast(), "kboot " + args);
            }
        }
        for (boolean asked : new boolean[] {false, true}) {
            picocli.CommandLine cl = Main.commandLine(System.out, System.err);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("test", top(), "--suite", "command:smoke"));
            if (asked) {
                args.add("--fast");
            }
            cl.parseArgs(args.toArray(String[]::new));
            TestCommand test = cl.getSubcommands().get("test").getCommand();
            assertEquals(asked, test.boot.toRequest(true, false).fast(), "kboot test " + args);
        }
    }

    @Test
    void dryRunWithKvmSaysItWasNotProbed() {
        Cli r = Cli.run("run", top(), "--dry-run", "--accel", "auto");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("# accelerator: "), r.out());
    }
}
