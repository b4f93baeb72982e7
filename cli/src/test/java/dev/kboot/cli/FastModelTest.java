package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The models {@link FastModel} builds from the descriptor the build wrote (process-classes) against
 * the annotated models picocli builds from the same classes: every parse-relevant attribute of every
 * option and parameter, and a corpus of argument vectors that must be accepted or refused alike,
 * into the same field values.
 */
class FastModelTest {
    @TempDir
    Path dir;

    @Test
    void everyCommandHasAFastModelWithTheAnnotatedOnesArguments() {
        for (Map.Entry<String, Class<?>> c : FastModel.commands().entrySet()) {
            CommandSpec fast = FastModel.spec(c.getKey());
            assertNotNull(fast, c.getKey() + " has no fast model: is " + FastModel.RESOURCE + " in the build?");
            CommandSpec annotated = CommandSpec.forAnnotatedObject(c.getValue());
            assertEquals(annotated.name(), fast.name());
            assertEquals(annotated.parser().toString(), fast.parser().toString(), c.getKey() + " parser settings");
            Map<String, String> a = attributes(annotated);
            Map<String, String> f = attributes(fast);
            assertEquals(a.keySet(), f.keySet(), c.getKey());
            for (String arg : a.keySet()) {
                assertEquals(a.get(arg), f.get(arg), c.getKey() + " " + arg);
            }
        }
    }

    @Test
    void aMissingCommandHasNone() {
        assertEquals(null, FastModel.spec("doctor"));
        assertEquals(null, FastModel.spec(""));
    }

    /** Each argument by its first name or label, with what parsing reads of it. */
    private static Map<String, String> attributes(CommandSpec spec) {
        Map<String, String> m = new LinkedHashMap<>();
        for (ArgSpec a : spec.args()) {
            StringBuilder b = new StringBuilder();
            b.append("type=").append(a.type().getName()).append(" aux=").append(Arrays.toString(a.auxiliaryTypes()))
                    .append(" arity=").append(a.arity()).append(a.arity().isUnspecified() ? "(unspecified)" : "")
                    .append(" default=").append(a.defaultValue()).append(" required=").append(a.required())
                    .append(" initial=").append(a.hasInitialValue() ? String.valueOf(a.initialValue()) : "(none)")
                    .append(" consumer=").append(a.parameterConsumer() == null ? null : a.parameterConsumer().getClass().getName())
                    .append(" preprocessor=").append(a.preprocessor().getClass().getName())
                    .append(" converters=").append(a.converters().length).append(" split=").append(a.splitRegex())
                    .append(" interactive=").append(a.interactive()).append(" group=").append(a.group())
                    .append(" scope=").append(a.scopeType()).append(" inherited=").append(a.inherited())
                    .append(" multi=").append(a.isMultiValue()).append(" mapFallback=").append(a.mapFallbackValue());
            String key;
            if (a instanceof OptionSpec o) {
                key = String.join(",", o.names());
                b.append(" negatable=").append(o.negatable()).append(" fallback=").append(o.fallbackValue())
                        .append(" usageHelp=").append(o.usageHelp()).append(" versionHelp=").append(o.versionHelp());
                if (!o.usageHelp() && !o.versionHelp()) {
                    b.append(" label=").append(o.paramLabel());
                }
            } else {
                PositionalParamSpec p = (PositionalParamSpec) a;
                key = "param " + p.index() + (p.index().isUnspecified() ? "(unspecified)" : "");
                b.append(" label=").append(p.paramLabel());
            }
            assertEquals(null, m.put(key, b.toString()), key);
        }
        return m;
    }

    @Test
    void theCorpusParsesAlikeIntoTheSameFields() {
        String r = dir.toString();
        List<String[]> run = List.of(
                new String[] {}, new String[] {r}, new String[] {r, "--dry-run"},
                new String[] {r, "--kernel", "/k", "--initrd=/i", "--modules", "/m", "--store", "/s", "--share", "/a:tag", "--share", "/b:t2:rw",
                    "--append", "quiet x=1", "--fast"},
                new String[] {r, "--no-fast", "--cpus", "4", "--memory", "2G", "--accel", "kvm", "--machine", "q35", "--qemu", "/q", "--virtiofsd", "/v"},
                new String[] {r, "--qemu-arg=-icount", "--qemu-arg", "-vga", "--qemu-arg", "std", "--qemu-arg", "--help"},
                new String[] {r, "--qemu-arg"}, new String[] {r, "--specialisation", "foo", "-qv", "--debug", "--color", "never"},
                new String[] {r, "--agent-timeout", "10s", "--console-log", "/tmp/c.log", "--timeout", "90s", "--timings", "-i"},
                new String[] {"--libvirt", "dom", "--connect", "test:///default", "--", "uname", "-a"},
                new String[] {r, "--", "echo", "hi"}, new String[] {r, "--", "--kernel", "x", "-q"}, new String[] {r, "echo", "a b"},
                new String[] {r, "--cpus", "lots"}, new String[] {r, "--cpus"}, new String[] {r, "--cpus=-1"}, new String[] {r, "--bogus"},
                new String[] {r, "--fast=false"}, new String[] {r, "--no-fast=true"}, new String[] {r, "--dry-run=true"}, new String[] {r, "--dry-run=maybe"},
                new String[] {r, "-qi"}, new String[] {r, "-iq", "--color=always"}, new String[] {r, "-x"}, new String[] {"--help"},
                new String[] {r, "-h"}, new String[] {"-V"}, new String[] {r, "--timings", "--timings"}, new String[] {r, "--memory", "1G", "--memory", "2G"},
                new String[] {r, "--share=/a:b", "--share=/c:d"}, new String[] {r, "--color"}, new String[] {r, "--quiet=true"},
                new String[] {r, "--interactive", "--", "true"}, new String[] {r, "--fast", "--no-fast"}, new String[] {"--", r});
        List<String[]> test = List.of(
                new String[] {r, "--suite", "kselftest", "--suite", "command:quick", "--results", "/r", "--expunges", "/e", "--baseline", "/b",
                    "--rerun-failures", "2", "--test-timeout", "5m", "--timeout", "1h", "--shard", "1/2", "--shard-count", "2", "--balance", "/b.json",
                    "--jobs", "2", "--timeout-factor", "3", "--cpus", "1", "--no-fast", "--qemu-arg=-S"},
                new String[] {r}, new String[] {r, "--suite"}, new String[] {r, "--suite", "ltp", "--jobs", "x"}, new String[] {"--libvirt", "d", "--suite", "kselftest"},
                new String[] {r, "--suite", "a", "--shard-count", "two"}, new String[] {r, "--suite", "a", "extra"}, new String[] {r, "--suite=fstests:quick", "-q"},
                new String[] {r, "--suite", "a", "--rerun-failures=-1"}, new String[] {"--suite", "a", "--help"});
        List<String[]> shell = List.of(
                new String[] {r}, new String[] {r, "--kernel", "k", "--cpus", "1", "--agent-timeout", "1m", "--qemu-arg=-S"}, new String[] {r, "extra"},
                new String[] {r, "--dry-run"}, new String[] {r, "--libvirt", "d"}, new String[] {}, new String[] {r, "--fast"});
        List<String[]> results = List.of(
                new String[] {r}, new String[] {r, "--failures", "--json", "--no-color", "-q"}, new String[] {}, new String[] {r, r},
                new String[] {r, "--all"}, new String[] {"--color", "x", r});
        int accepted = 0;
        int refused = 0;
        for (Map.Entry<String, List<String[]>> c : Map.of("run", run, "test", test, "shell", shell, "results show", results, "results compare", results).entrySet()) {
            for (String[] args : c.getValue()) {
                String what = c.getKey() + " " + String.join(" ", args);
                Parsed a = parse(CommandSpec.forAnnotatedObject(FastModel.commands().get(c.getKey())), args);
                Parsed f = parse(FastModel.spec(c.getKey()), args);
                assertEquals(a.error, f.error, what);
                assertEquals(a.fields, f.fields, what);
                if (a.error == null) {
                    accepted++;
                } else {
                    refused++;
                }
            }
        }
        assertTrue(accepted > 30 && refused > 15, accepted + " accepted, " + refused + " refused: the corpus tests both sides");
    }

    @Test
    void theVerbatimConsumerTakesOptionLikeValuesOnTheFastModel() {
        CommandSpec spec = FastModel.spec("run");
        new CommandLine(spec).parseArgs("r", "--qemu-arg=-icount", "--qemu-arg", "-vga", "--", "echo");
        RunCommand c = (RunCommand) spec.userObject();
        assertEquals(List.of("-icount", "-vga"), c.boot.qemuArgs);
        assertEquals(List.of("echo"), c.command);
        assertEquals(2, c.boot.cpus, "the default value");
        assertEquals(spec, c.spec, "@Spec");
    }

    /** What a parse gave: the error (its class and message), or the fields of the command and its mixins. */
    private record Parsed(String error, Map<String, Object> fields) {
    }

    private static Parsed parse(CommandSpec spec, String[] args) {
        CommandLine cl = new CommandLine(spec);
        try {
            CommandLine.ParseResult p = cl.parseArgs(args);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("(help)", p.isUsageHelpRequested() + "/" + p.isVersionHelpRequested());
            fields(spec.userObject(), "", fields);
            return new Parsed(null, fields);
        } catch (CommandLine.PicocliException e) {
            return new Parsed(e.getClass().getSimpleName() + ": " + e.getMessage(), Map.of());
        }
    }

    private static void fields(Object o, String prefix, Map<String, Object> into) {
        for (Field f : o.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic() || f.getType() == CommandSpec.class) {
                continue;
            }
            try {
                f.setAccessible(true);
                Object v = f.get(o);
                if (f.isAnnotationPresent(CommandLine.Mixin.class)) {
                    assertFalse(v == null, prefix + f.getName() + ": the mixin was made");
                    fields(v, prefix + f.getName() + ".", into);
                } else {
                    into.put(prefix + f.getName(), v instanceof List<?> l ? new ArrayList<>(l) : v);
                }
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
    }
}
