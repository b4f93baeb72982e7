package dev.kboot.cli;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one {@code kboot} command. Subcommands are thin classes that turn options into a request
 * for the launcher or the harness; this class is the one place where failures become exit codes
 * ({@link ExitCode}) and one-line messages, with stack traces only under {@code --debug}.
 */
@Command(name = "kboot",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Imageless boot launcher and kernel test harness: boots a NixOS bootspec closure with "
                + "direct kernel boot over virtiofs, runs commands and test suites in it, and judges the results.",
        subcommands = {RunCommand.class, ShellCommand.class, TestCommand.class, ResultsCommand.class, DoctorCommand.class, LibvirtCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class},
        // every command's help and man page ends with the exit-code table, made from ExitCode
        resourceBundle = "dev.kboot.cli.ExitCodes")
public final class Main {
    static final String PREFIX = "kboot: ";

    private Main() {
    }

    /**
     * The subcommands in {@code --help} order, by name: {@link #run} builds the model of the one
     * named (picocli reads each command's annotations by reflection, which every start pays).
     */
    private static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

    private static Map<String, Class<?>> subcommands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("run", RunCommand.class);
        m.put("shell", ShellCommand.class);
        m.put("test", TestCommand.class);
        m.put("results", ResultsCommand.class);
        m.put("doctor", DoctorCommand.class);
        m.put("libvirt", LibvirtCommand.class);
        m.put("completion", CompletionCommand.class);
        return m;
    }

    /** Entry point: runs and exits with the documented status. */
    public static void main(String[] args) {
        // picocli registers converters for java.sql and java.time types in every CommandLine,
        // loading and initialising ~150 JDK classes (java.time's formatters) that no kboot option
        // uses (MainTest checks): its system property leaves them out
        if (System.getProperty(CONVERTER_EXCLUDES) == null) {
            System.setProperty(CONVERTER_EXCLUDES, EXCLUDED_CONVERTERS);
        }
        if (args.length > 0 && BOOTS.contains(args[0])) {
            Warmup.start();
        }
        Interrupts.install();
        System.exit(Interrupts.exitCode(run(System.out, System.err, args)));
    }

    /** picocli's system property: regular expressions of the built-in converters' types it leaves out. */
    static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";

    /** What {@link #main} sets {@link #CONVERTER_EXCLUDES} to: the java.sql and java.time types. */
    static final String EXCLUDED_CONVERTERS = "java\\.sql\\..*,java\\.time\\..*";

    /** The subcommands that boot a guest: only they warm the launcher's classes up. */
    private static final java.util.Set<String> BOOTS = java.util.Set.of("run", "shell", "test");

    /**
     * Runs kboot with {@code args}, writing to {@code out} and {@code err}. Builds only what the
     * arguments need: no command model at all for {@code --version}; for {@code run}, {@code shell},
     * {@code test}, {@code results show} and {@code compare} the command's model built without
     * reading an annotation ({@link FastModel}) when their arguments parse plainly on it; else the
     * named subcommand's annotated model under a root without the others; anything else (help, an
     * unknown word) gets the whole {@link #commandLine}. kboot starts on every boot, so this is
     * measured (bench/cli-bench.sh), not guessed.
     *
     * @return the exit status ({@link ExitCode})
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // What picocli's version help prints, without building a command model at all.
            out.println(new Version().getVersion()[0]);
            out.flush();
            return ExitCode.OK.code();
        }
        int words = args.length > 1 && args[0].equals("results") ? 2 : 1;
        CommandLine.Model.CommandSpec spec = args.length >= words
                ? FastModel.spec(String.join(" ", java.util.Arrays.copyOf(args, words))) : null;
        if (spec != null) {
            // the command's words are the first: neither the root nor the `results` group has
            // anything left to parse, so the model is the command's alone, given the rest
            CommandLine fast = configure(new CommandLine(spec), out, err);
            Fallback fallback = new Fallback(fast.getParameterExceptionHandler());
            fast.setParameterExceptionHandler(fallback);
            fast.setExecutionStrategy(fallback);
            int code = execute(fast, err, java.util.Arrays.copyOfRange(args, words, args.length));
            if (!fallback.taken) {
                return code;
            }
        }
        return execute(configure(lean(args), out, err), err, args);
    }

    /**
     * Hands a command line the fast model parses with an error, or where help or the version is
     * asked for, to the annotated model (its texts, its messages), before the command runs: one
     * parse on one model, picocli's own execution otherwise ({@link CommandLine.RunLast}). A
     * parameter error the command itself throws once running is handled as ever.
     */
    private static final class Fallback implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionStrategy {
        private final CommandLine.IParameterExceptionHandler handler;
        private boolean running;
        boolean taken;

        Fallback(CommandLine.IParameterExceptionHandler handler) {
            this.handler = handler;
        }

        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) throws Exception {
            if (running) {
                return handler.handleParseException(ex, args);
            }
            taken = true;
            return ExitCode.USAGE.code();
        }

        @Override
        public int execute(CommandLine.ParseResult parsed) {
            if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
                taken = true;
                return ExitCode.OK.code();
            }
            running = true;
            return new CommandLine.RunLast().execute(parsed);
        }
    }

    /** Adds {@code -h, --help} and {@code -V, --version} as {@code mixinStandardHelpOptions} would, without their help text. */
    static void helpOptions(CommandLine.Model.CommandSpec spec) {
        spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true).initialValue(false).build());
        spec.addOption(CommandLine.Model.OptionSpec.builder("-V", "--version").versionHelp(true).initialValue(false).build());
    }

    /** Runs a configured command line: what picocli hands on (an Error) is still 125 and one line. */
    static int execute(CommandLine cl, PrintStream err, String... args) {
        try {
            return cl.execute(args);
        } catch (Throwable t) {
            // picocli hands on what is not an Exception (an Error): still one line and 125, never
            // the JVM's stack trace and exit 1 that a CI would read as a regression
            boolean debug = java.util.Arrays.asList(args).contains("--debug");
            err.println(PREFIX + "internal error: " + t + (debug ? "" : " (run with --debug for the stack trace)"));
            if (debug) {
                t.printStackTrace(err);
            }
            err.flush();
            return ExitCode.INTERNAL.code();
        }
    }

    private static CommandLine lean(String[] args) {
        if (args.length == 0) {
            return new CommandLine(Main.class);
        }
        Class<?> sub = SUBCOMMANDS.get(args[0]);
        if (sub == null) {
            return new CommandLine(Main.class);
        }
        CommandLine.Model.CommandSpec root = CommandLine.Model.CommandSpec.create().name("kboot")
                .mixinStandardHelpOptions(true).versionProvider(new Version());
        root.resourceBundle(new ExitCodes()); // the exit-code table, as the whole model's @Command says
        CommandLine cl = new CommandLine(root);
        Class<?> leaf = args.length > 1 ? nested(sub, args[1]) : null;
        if (leaf == null) {
            cl.addSubcommand(args[0], sub);
            return cl;
        }
        // `results show`, `libvirt status`: the group without its other subcommands. A group has no
        // options of its own beyond help (its class runs only when no subcommand is named), so a spec
        // with its name, its help options and the one subcommand parses the same.
        CommandLine.Model.CommandSpec group = CommandLine.Model.CommandSpec.create().name(args[0])
                .mixinStandardHelpOptions(sub.getAnnotation(Command.class).mixinStandardHelpOptions());
        CommandLine g = new CommandLine(group);
        cl.addSubcommand(args[0], g);
        g.addSubcommand(args[1], leaf);
        return cl;
    }

    /** @return the subcommand of the group {@code sub} named {@code name} (by its {@code @Command} name), or null */
    private static Class<?> nested(Class<?> sub, String name) {
        for (Class<?> c : sub.getAnnotation(Command.class).subcommands()) {
            Command a = c.getAnnotation(Command.class);
            if (a != null && a.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** @return the configured picocli command line with every subcommand (for tests, completion and help) */
    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        return configure(new CommandLine(Main.class), out, err);
    }

    private static CommandLine configure(CommandLine cl, PrintStream out, PrintStream err) {
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Handlers h = new Handlers();
        cl.setExitCodeExceptionMapper(h);
        cl.setParameterExceptionHandler(h);
        cl.setExecutionExceptionHandler(h);
        return cl;
    }

    /**
     * Where failures become exit codes and one-line messages. A class, not lambdas: no
     * invokedynamic to link before the command runs (see {@link Interrupts#install}).
     */
    private static final class Handlers implements CommandLine.IExitCodeExceptionMapper, CommandLine.IParameterExceptionHandler,
            CommandLine.IExecutionExceptionHandler {
        @Override
        public int getExitCode(Throwable t) {
            return t instanceof KbootException k ? k.exitCode().code() : ExitCode.INTERNAL.code();
        }

        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            PrintWriter e = ex.getCommandLine().getErr();
            e.println(PREFIX + ex.getMessage());
            e.println(PREFIX + "see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            return ExitCode.USAGE.code();
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine c, CommandLine.ParseResult parsed) {
            PrintWriter e = c.getErr();
            boolean debug = false;
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                debug |= p.hasMatchedOption("--debug");
            }
            if (ex instanceof KbootException k) {
                e.println(PREFIX + k.getMessage());
                if (k.detail() != null && !k.detail().isBlank()) {
                    e.println(k.detail().stripTrailing());
                }
                if (debug) {
                    ex.printStackTrace(e);
                }
                e.flush();
                return k.exitCode().code();
            }
            if (ex instanceof dev.kboot.launcher.guest.CommandFailedException f) {
                // a guest command kboot itself needed failed: kboot could not do its job
                e.println(PREFIX + "a guest command kboot needed failed: " + f.getMessage());
                if (debug) {
                    ex.printStackTrace(e);
                }
                e.flush();
                return ExitCode.INTERNAL.code();
            }
            e.println(PREFIX + "internal error: " + ex + (debug ? "" : " (run with --debug for the stack trace)"));
            if (debug) {
                ex.printStackTrace(e);
            }
            e.flush();
            return ExitCode.INTERNAL.code();
        }
    }

    /** Reads the version from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kboot " + version()};
        }
    }

    /** @return kboot's version, from the build ({@link Entry#version}) */
    public static String version() {
        return Entry.version();
    }
}
