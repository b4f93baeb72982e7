package dev.kboot.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IAnnotatedElement;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Range;

/**
 * The parsing models of the commands kboot starts most ({@code run}, {@code shell}, {@code test},
 * {@code results show}, {@code results compare}) built without reading an annotation at run time.
 * Reading picocli's annotations by reflection makes the JDK generate a dynamic proxy class per
 * annotation type, which JDK 17's CDS archive cannot hold: ~100 ms of every {@code kboot run}'s start
 * (docs/benchmarks.md). The build ({@code process-classes}, cli/pom.xml) runs {@link #main}, which
 * builds each command's annotated model with picocli itself and writes what parsing needs of it to
 * the resource {@value #RESOURCE}; at run time {@link #spec} reads that descriptor and builds a
 * {@link CommandSpec} with picocli's programmatic API whose getters and setters are the same fields
 * of the same classes (the command and its mixins). Nothing is written by hand per option, so the
 * two models cannot drift apart; FastModelTest checks every parse-relevant attribute of every
 * option and a corpus of argument vectors on both.
 *
 * <p>The fast model parses only: it has no help texts, so help, the version and every parse error
 * go through the annotated model ({@link Main#run}).
 *
 * <p>Descriptor format (UTF-8, one record a line, tab-separated; {@code key=value} attributes, an
 * absent key meaning picocli's default):
 * <pre>
 * command  WORDS  CLASS  [help=true]  [spec=FIELD]
 * mixin    FIELD  CLASS
 * option   OWNER.FIELD  names=N1,N2  type=CLASS  [aux=CLASS,...]  arity=RANGE  [unspecified=true]
 *          [default=VALUE]  [label=LABEL]  [required=true]  [negatable=true]  [consumer=CLASS]
 * param    OWNER.FIELD  index=RANGE  type=CLASS  ...the option's attributes but names
 * </pre>
 * OWNER is {@code -} for the command's own fields, else the name of its {@code @Mixin} field.
 */
final class FastModel {
    /** The descriptor's resource name, beside this class. */
    static final String RESOURCE = "fast-models.tsv";

    /** @return the commands with a fast model: their words after {@code kboot}, and their classes */
    static Map<String, Class<?>> commands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("run", RunCommand.class);
        m.put("shell", ShellCommand.class);
        m.put("test", TestCommand.class);
        m.put("results show", ResultsCommand.Show.class);
        m.put("results compare", ResultsCommand.Compare.class);
        return m;
    }

    private FastModel() {
    }

    /**
     * @param words the command's words after {@code kboot}: {@code run}, {@code results show}
     * @return the command's model from the descriptor, its user object a new instance of the command
     *         class with new mixins; null when the descriptor is missing (a build that skipped
     *         {@code process-classes}), names no such command, or does not match the classes (then
     *         the caller uses the annotated model)
     */
    static CommandSpec spec(String words) {
        try (InputStream in = FastModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return null;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String[]> block = null;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split("\t");
                if (f[0].equals("command")) {
                    if (block != null) {
                        break;
                    }
                    if (f[1].equals(words)) {
                        block = new ArrayList<>();
                    }
                }
                if (block != null) {
                    block.add(f);
                }
            }
            return block == null ? null : build(block);
        } catch (IOException | ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static CommandSpec build(List<String[]> block) throws ReflectiveOperationException {
        String[] head = block.get(0);
        ClassLoader loader = FastModel.class.getClassLoader();
        Object command = Class.forName(head[2], false, loader).getDeclaredConstructor().newInstance();
        Map<String, String> cattrs = attrs(head, 3);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(head[1].substring(head[1].lastIndexOf(' ') + 1));
        if (cattrs.containsKey("spec")) {
            field(command.getClass(), cattrs.get("spec")).set(command, spec);
        }
        if ("true".equals(cattrs.get("help"))) {
            Main.helpOptions(spec);
        }
        Map<String, Object> owners = new HashMap<>();
        owners.put("-", command);
        for (String[] f : block.subList(1, block.size())) {
            switch (f[0]) {
                case "mixin" -> {
                    Object mixin = Class.forName(f[2], false, loader).getDeclaredConstructor().newInstance();
                    field(command.getClass(), f[1]).set(command, mixin);
                    owners.put(f[1], mixin);
                }
                case "option", "param" -> {
                    int dot = f[1].indexOf('.');
                    Object owner = owners.get(f[1].substring(0, dot));
                    Binding b = new Binding(owner, field(owner.getClass(), f[1].substring(dot + 1)));
                    Map<String, String> a = attrs(f, 2);
                    Class<?> type = type(a.get("type"), loader);
                    Class<?>[] aux = a.containsKey("aux") ? types(a.get("aux").split(","), loader) : new Class<?>[] {type};
                    Range arity = Range.valueOf(a.get("arity")).unspecified("true".equals(a.get("unspecified")));
                    CommandLine.IParameterConsumer consumer = a.containsKey("consumer")
                            ? (CommandLine.IParameterConsumer) Class.forName(a.get("consumer"), false, loader).getDeclaredConstructor().newInstance()
                            : null;
                    boolean required = "true".equals(a.get("required"));
                    // the same attributes on both builders (their common superclass is not public)
                    if (f[0].equals("option")) {
                        spec.addOption(OptionSpec.builder(a.get("names").split(",")).negatable("true".equals(a.get("negatable")))
                                .type(type).auxiliaryTypes(aux).arity(arity).paramLabel(a.get("label")).defaultValue(a.get("default"))
                                .required(required).parameterConsumer(consumer).initialValue(b.get()).getter(b).setter(b).build());
                    } else {
                        spec.addPositional(PositionalParamSpec.builder().index(a.get("index"))
                                .type(type).auxiliaryTypes(aux).arity(arity).paramLabel(a.get("label")).defaultValue(a.get("default"))
                                .required(required).parameterConsumer(consumer).initialValue(b.get()).getter(b).setter(b).build());
                    }
                }
                default -> throw new IllegalStateException("unknown record " + f[0]);
            }
        }
        return spec;
    }

    private static Class<?>[] types(String[] names, ClassLoader loader) throws ClassNotFoundException {
        Class<?>[] types = new Class<?>[names.length];
        for (int i = 0; i < names.length; i++) {
            types[i] = type(names[i], loader);
        }
        return types;
    }

    private static Class<?> type(String name, ClassLoader loader) throws ClassNotFoundException {
        return switch (name) {
            case "boolean" -> boolean.class;
            case "int" -> int.class;
            case "long" -> long.class;
            default -> Class.forName(name, false, loader);
        };
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    private static Map<String, String> attrs(String[] f, int from) {
        Map<String, String> m = new HashMap<>();
        for (int i = from; i < f.length; i++) {
            int eq = f[i].indexOf('=');
            m.put(f[i].substring(0, eq), f[i].substring(eq + 1));
        }
        return m;
    }

    /** A field of the command or one of its mixins, as picocli's own (private) field binding reads and writes it. */
    private static final class Binding implements CommandLine.Model.IGetter, CommandLine.Model.ISetter {
        private final Object owner;
        private final Field field;

        Binding(Object owner, Field field) {
            this.owner = owner;
            this.field = field;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            try {
                return (T) field.get(owner);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            try {
                Object old = field.get(owner);
                field.set(owner, value);
                return (T) old;
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Writes the descriptor of {@link #commands}, from their annotated models: run by the build
     * ({@code process-classes} in cli/pom.xml). Fails (exit 1, one line) on anything the
     * descriptor cannot express (nested mixins, argument groups, subcommands, methods as options,
     * custom converters, split regexes, ...), so such a change to the annotations stops the build
     * instead of parsing differently.
     *
     * @param args the file to write
     */
    public static void main(String[] args) throws IOException {
        StringBuilder out = new StringBuilder();
        try {
            for (Map.Entry<String, Class<?>> e : commands().entrySet()) {
                describe(e.getKey(), CommandSpec.forAnnotatedObject(e.getValue()), out);
            }
        } catch (IllegalStateException e) {
            PrintStream err = System.err;
            err.println("FastModel: " + e.getMessage());
            System.exit(1);
        }
        Path file = Path.of(args[0]);
        Files.createDirectories(file.getParent());
        Files.writeString(file, out);
    }

    /** Appends the records of one command; throws IllegalStateException for what they cannot say. */
    static void describe(String words, CommandSpec spec, StringBuilder out) {
        Class<?> cls = spec.userObject().getClass();
        OptionSpec defaults = OptionSpec.builder("--x").build(); // picocli's defaults, to compare attributes with
        require(spec.subcommands().isEmpty(), words + ": subcommands");
        require(spec.argGroups().isEmpty(), words + ": argument groups");
        require(spec.parentCommandElements().isEmpty() && spec.unmatchedArgsBindings().isEmpty(), words + ": @ParentCommand or @Unmatched");
        require(spec.specElements().size() <= 1, words + ": more than one @Spec");
        require(spec.defaultValueProvider() == null, words + ": a default value provider");
        require(spec.parser().toString().equals(CommandSpec.create().parser().toString()), words + ": parser settings other than picocli's defaults");
        out.append("command\t").append(words).append('\t').append(cls.getName());
        if (spec.mixinStandardHelpOptions()) {
            out.append("\thelp=true");
        }
        for (IAnnotatedElement e : spec.specElements()) {
            require(e.userObject() instanceof Field, words + ": @Spec on a method");
            out.append("\tspec=").append(e.getName());
        }
        out.append('\n');
        // each field's owner: the command, or the mixin (by its field's name) whose class declares it
        Map<Object, String> owner = new IdentityHashMap<>();
        owner.put(cls, "-");
        for (Map.Entry<String, IAnnotatedElement> m : spec.mixinAnnotatedElements().entrySet()) {
            IAnnotatedElement e = m.getValue();
            CommandSpec mixin = spec.mixins().get(m.getKey());
            require(e.userObject() instanceof Field && m.getKey().equals(e.getName()), words + ": mixin " + m.getKey() + " is not a field of its name");
            require(mixin.mixins().isEmpty() && mixin.specElements().isEmpty() && mixin.argGroups().isEmpty(),
                    words + ": mixin " + m.getKey() + " has mixins, @Spec or groups of its own");
            Class<?> mc = mixin.userObject().getClass();
            require(owner.put(mc, m.getKey()) == null, words + ": two mixins of " + mc.getName());
            out.append("mixin\t").append(m.getKey()).append('\t').append(mc.getName()).append('\n');
        }
        for (ArgSpec a : spec.args()) {
            require(a.userObject() instanceof Field, words + ": " + a + " is not a field");
            Field f = (Field) a.userObject();
            if (f.getDeclaringClass().getName().equals("picocli.CommandLine$AutoHelpMixin")) {
                continue; // -h/--help, -V/--version: help=true above
            }
            String who = owner.get(f.getDeclaringClass());
            require(who != null, words + ": " + f + " belongs to neither the command nor a mixin");
            require(a.converters().length == 0 && (a.splitRegex() == null || a.splitRegex().isEmpty()) && !a.interactive()
                    && a.preprocessor().getClass() == defaults.preprocessor().getClass() && a.group() == null && !a.inherited() && a.scopeType() == CommandLine.ScopeType.LOCAL
                    && java.util.Objects.equals(a.mapFallbackValue(), defaults.mapFallbackValue()), words + ": " + a + " uses an attribute the descriptor does not hold");
            if (a instanceof OptionSpec o) {
                require(!o.usageHelp() && !o.versionHelp() && !o.help() && java.util.Objects.equals(o.fallbackValue(), defaults.fallbackValue()),
                        words + ": " + o.longestName() + " uses an attribute the descriptor does not hold");
                out.append("option\t").append(who).append('.').append(f.getName()).append("\tnames=").append(String.join(",", o.names()));
                if (o.negatable()) {
                    out.append("\tnegatable=true");
                }
            } else {
                PositionalParamSpec p = (PositionalParamSpec) a;
                require(!p.index().isUnspecified(), words + ": " + p.paramLabel() + " has no index");
                out.append("param\t").append(who).append('.').append(f.getName()).append("\tindex=").append(p.index().originalValue());
            }
            out.append("\ttype=").append(a.type().getName());
            if (a.auxiliaryTypes().length > 0 && !(a.auxiliaryTypes().length == 1 && a.auxiliaryTypes()[0] == a.type())) {
                List<String> aux = new ArrayList<>();
                for (Class<?> t : a.auxiliaryTypes()) {
                    aux.add(t.getName());
                }
                out.append("\taux=").append(String.join(",", aux));
            }
            out.append("\tarity=").append(a.arity().originalValue());
            if (a.arity().isUnspecified()) {
                out.append("\tunspecified=true");
            }
            String raw = a instanceof OptionSpec o ? o.toBuilder().defaultValue() : ((PositionalParamSpec) a).toBuilder().defaultValue();
            if (raw != null) {
                require(!raw.contains("\t") && !raw.contains("\n"), words + ": a default value with a tab or newline");
                out.append("\tdefault=").append(raw);
            }
            if (a.paramLabel() != null) {
                out.append("\tlabel=").append(a.paramLabel());
            }
            if (a.required()) {
                out.append("\trequired=true");
            }
            if (a.parameterConsumer() != null) {
                out.append("\tconsumer=").append(a.parameterConsumer().getClass().getName());
            }
            out.append('\n');
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " (not expressible in " + RESOURCE + ": FastModel)");
        }
    }
}
