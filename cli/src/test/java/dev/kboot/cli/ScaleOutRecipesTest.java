package dev.kboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The recipes of docs/scale-out.md: every YAML block parses, has the keys its engine requires
 * (GitHub Actions, GitLab CI, a Kubernetes Indexed Job, an Ansible play for libvirt hosts), its
 * shard counts agree, the merge finds the shards' results where they put them, and every kboot
 * command line in it parses with kboot's own options.
 */
class ScaleOutRecipesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Map<String, String> BLOCKS = new LinkedHashMap<>();

    @BeforeAll
    static void read() throws Exception {
        String doc = Files.readString(KbootProcess.REPO.resolve("docs/scale-out.md"));
        Matcher m = Pattern.compile("```yaml\n(# (\\S+)[^\n]*\n.*?)```", Pattern.DOTALL).matcher(doc);
        while (m.find()) {
            BLOCKS.put(m.group(2).replaceAll(":$", ""), m.group(1));
        }
        assertEquals(Set.of(".github/workflows/kernel-tests.yml", ".gitlab-ci.yml", "kboot-shards.yaml", "kboot-merge.yaml", "kboot-libvirt.yml"),
                BLOCKS.keySet(), "one YAML block per recipe file, named in its first comment");
    }

    static List<JsonNode> docs(String name) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(BLOCKS.get(name))) {
            while (it.hasNext()) {
                out.add(it.next());
            }
        }
        return out;
    }

    static JsonNode one(String name) throws Exception {
        assertFalse(BLOCKS.get(name).contains("\n---"), name + " is one YAML document");
        return YAML.readTree(BLOCKS.get(name));
    }

    static void has(JsonNode n, String... keys) {
        for (String k : keys) {
            assertTrue(n.has(k), "'" + k + "' in " + n);
        }
    }

    // --- kboot command lines ------------------------------------------------------------------

    /** The kboot invocations in a text (shell lines), their template expressions given values. */
    static List<List<String>> kbootCommands(String text, Map<String, String> values) {
        String t = text.replace("\\\n", " ");
        for (Map.Entry<String, String> e : values.entrySet()) {
            t = t.replace(e.getKey(), e.getValue());
        }
        List<List<String>> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?:^|[\\s/])kboot\\s+((?:test|results|libvirt)\\b[^|;&\n]*)", Pattern.MULTILINE).matcher(t);
        while (m.find()) {
            out.add(words(m.group(1)));
        }
        return out;
    }

    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(s);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return out;
    }

    /** Parses one kboot command line with kboot's own picocli model, as the shell would pass it. */
    static CommandLine.ParseResult parses(List<String> args) {
        CommandLine cl = Main.commandLine(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        return cl.parseArgs(args.toArray(String[]::new));
    }

    /** Whether kboot has what a command line uses yet (the libvirt backend comes with its own issue). */
    static boolean supported(List<String> args) {
        CommandLine cl = Main.commandLine(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        if (!cl.getSubcommands().containsKey(args.get(0))) {
            return false;
        }
        CommandLine sub = cl.getSubcommands().get(args.get(0));
        return args.stream().filter(a -> a.startsWith("--")).allMatch(a -> sub.getCommandSpec().findOption(a) != null
                || sub.getSubcommands().values().stream().anyMatch(s -> s.getCommandSpec().findOption(a) != null));
    }

    static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        assertTrue(i >= 0 && i + 1 < args.size(), name + " in " + args);
        return args.get(i + 1);
    }

    static boolean globMatches(String glob, String path) {
        return path.matches(glob.replace(".", "\\.").replace("*", "[^/]*"));
    }

    // --- the recipes --------------------------------------------------------------------------

    @Test
    void gitHubActionsMatrixAndMergeJobs() throws Exception {
        JsonNode w = one(".github/workflows/kernel-tests.yml");
        has(w, "name", "on", "jobs");
        JsonNode shard = w.path("jobs").path("shard");
        JsonNode merge = w.path("jobs").path("merge");
        has(shard, "runs-on", "strategy", "steps");
        has(merge, "runs-on", "needs", "steps", "if");
        for (JsonNode job : List.of(shard, merge)) {
            for (JsonNode step : job.path("steps")) {
                assertTrue(step.has("uses") ^ step.has("run"), "a step has uses or run: " + step);
            }
        }
        JsonNode matrix = shard.path("strategy").path("matrix").path("shard");
        assertTrue(matrix.isArray() && matrix.size() > 1, matrix.toString());
        for (int i = 0; i < matrix.size(); i++) {
            assertEquals(i + 1, matrix.get(i).asInt(), "shards 1..N");
        }
        assertFalse(shard.path("strategy").path("fail-fast").asBoolean(true), "one failing shard must not cancel the others");
        assertEquals("shard", merge.path("needs").asText());
        assertTrue(merge.path("if").asText().contains("!cancelled()") || merge.path("if").asText().contains("always()"),
                "the merge runs when a shard failed: " + merge.path("if"));

        List<List<String>> tests = new ArrayList<>();
        List<List<String>> merges = new ArrayList<>();
        for (JsonNode job : List.of(shard, merge)) {
            for (JsonNode step : job.path("steps")) {
                for (List<String> c : kbootCommands(step.path("run").asText(""), Map.of("${{ matrix.shard }}", "1"))) {
                    (c.get(0).equals("test") ? tests : merges).add(c);
                }
            }
        }
        assertEquals(1, tests.size());
        assertEquals(1, merges.size());
        assertEquals("1/" + matrix.size(), option(tests.get(0), "--shard"), "the matrix's size is N");
        parses(tests.get(0));
        parses(merges.get(0));

        JsonNode upload = null;
        JsonNode download = null;
        for (JsonNode step : shard.path("steps")) {
            if (step.path("uses").asText().startsWith("actions/upload-artifact")) {
                upload = step.path("with");
            }
        }
        for (JsonNode step : merge.path("steps")) {
            if (step.path("uses").asText().startsWith("actions/download-artifact")) {
                download = step.path("with");
            }
        }
        assertNotNull(upload);
        assertNotNull(download);
        assertEquals(option(tests.get(0), "--results"), upload.path("path").asText(), "the shard uploads its results");
        String name = upload.path("name").asText().replace("${{ matrix.shard }}", "1");
        assertTrue(globMatches(download.path("pattern").asText(), name), "the merge downloads every shard's artifact");
        String shardDir = download.path("path").asText() + name;
        assertTrue(globMatches(merges.get(0).get(2).replaceAll("/$", ""), shardDir), "the merge reads " + shardDir + ": " + merges.get(0));
    }

    @Test
    void gitLabParallelAndGateJobs() throws Exception {
        JsonNode ci = one(".gitlab-ci.yml");
        has(ci, "stages");
        List<String> stages = new ArrayList<>();
        ci.path("stages").forEach(s -> stages.add(s.asText()));
        JsonNode shard = ci.path("kboot-shard");
        JsonNode gate = ci.path("kboot-gate");
        has(shard, "stage", "script", "parallel", "artifacts");
        has(gate, "stage", "script", "needs");
        assertTrue(stages.indexOf(shard.path("stage").asText()) < stages.indexOf(gate.path("stage").asText()), stages.toString());
        assertTrue(stages.indexOf(shard.path("stage").asText()) >= 0);
        int n = shard.path("parallel").asInt();
        assertTrue(n >= 2 && n <= 200, "GitLab's parallel is 2..200: " + n);
        assertEquals("kboot-shard", gate.path("needs").get(0).asText());
        assertEquals("always", gate.path("when").asText(), "the gate runs when a shard failed");
        assertEquals("always", shard.path("artifacts").path("when").asText(), "a failed shard keeps its results");
        List<String> test = null;
        List<String> merge = null;
        for (JsonNode job : List.of(shard, gate)) {
            for (JsonNode line : job.path("script")) {
                for (List<String> c : kbootCommands(line.asText(), Map.of("$CI_NODE_INDEX", "1"))) {
                    if (c.get(0).equals("test")) {
                        test = c;
                    } else {
                        merge = c;
                    }
                }
            }
        }
        assertNotNull(test);
        assertNotNull(merge);
        assertEquals("auto", option(test, "--shard"), "CI_NODE_INDEX/CI_NODE_TOTAL");
        parses(test);
        parses(merge);
        String results = option(test, "--results");
        assertTrue(globMatches(merge.get(2), results), merge + " reads " + results);
        assertTrue(globMatches(shard.path("artifacts").path("paths").get(0).asText() + "*", results), "the artifacts keep " + results);
        assertEquals(option(merge, "--results") + "junit.xml", gate.path("artifacts").path("reports").path("junit").asText());
    }

    @Test
    void kubernetesIndexedJobAndMergeJob() throws Exception {
        List<JsonNode> shards = docs("kboot-shards.yaml");
        JsonNode job = shards.stream().filter(d -> d.path("kind").asText().equals("Job")).findFirst().orElseThrow();
        JsonNode pvc = shards.stream().filter(d -> d.path("kind").asText().equals("PersistentVolumeClaim")).findFirst().orElseThrow();
        JsonNode merge = one("kboot-merge.yaml");
        for (JsonNode j : List.of(job, merge)) {
            assertEquals("batch/v1", j.path("apiVersion").asText());
            assertEquals("Job", j.path("kind").asText());
            has(j.path("metadata"), "name");
            JsonNode pod = j.path("spec").path("template").path("spec");
            assertTrue(Set.of("Never", "OnFailure").contains(pod.path("restartPolicy").asText()), "a Job's pods need restartPolicy Never or OnFailure");
            JsonNode c = pod.path("containers").get(0);
            has(c, "name", "image");
            Set<String> volumes = new java.util.HashSet<>();
            pod.path("volumes").forEach(v -> {
                volumes.add(v.path("name").asText());
                assertEquals(pvc.path("metadata").path("name").asText(), v.path("persistentVolumeClaim").path("claimName").asText());
            });
            c.path("volumeMounts").forEach(v -> assertTrue(volumes.contains(v.path("name").asText()), "mounted volume " + v + " is declared"));
        }
        assertTrue(pvc.path("spec").path("accessModes").toString().contains("ReadWriteMany"), "every pod writes to the results volume");
        JsonNode spec = job.path("spec");
        assertEquals("Indexed", spec.path("completionMode").asText());
        int completions = spec.path("completions").asInt();
        assertTrue(completions > 1);
        assertEquals(completions, spec.path("parallelism").asInt(), "one pod per shard, all at once");

        List<String> test = kbootCommands(args(job), Map.of("$JOB_COMPLETION_INDEX", "0")).get(0);
        assertEquals("auto", option(test, "--shard"));
        assertEquals(Integer.toString(completions), option(test, "--shard-count"), "--shard-count is the Job's completions");
        parses(test);
        List<String> m = kbootCommands(args(merge), Map.of()).get(0);
        assertEquals(List.of("results", "merge"), m.subList(0, 2));
        parses(m);
        assertTrue(globMatches(m.get(2), option(test, "--results")), m + " reads " + option(test, "--results"));
    }

    private static String args(JsonNode job) {
        StringBuilder b = new StringBuilder();
        JsonNode c = job.path("spec").path("template").path("spec").path("containers").get(0);
        c.path("command").forEach(x -> b.append(x.asText()).append(' '));
        c.path("args").forEach(x -> b.append(x.asText()).append('\n'));
        return b.toString();
    }

    @Test
    void libvirtControllerPlays() throws Exception {
        JsonNode plays = one("kboot-libvirt.yml");
        assertTrue(plays.isArray() && plays.size() == 3, "an Ansible playbook: declare, run the shards, merge");
        Set<String> modules = Set.of("ansible.builtin.command", "ansible.builtin.shell", "ansible.builtin.copy", "ansible.builtin.file",
                "ansible.posix.synchronize");
        Set<String> taskKeys = Set.of("name", "loop", "async", "poll", "register", "delegate_to", "changed_when", "failed_when");
        Map<String, String> values = Map.of("{{ closure }}", "/nix/store/aaaa-nixos-system", "{{ inventory_hostname }}", "virt1.example.org",
                "{{ item }}", "ci/expunges.yaml", "{{ shard }}", "1", "{{ shards }}", "3");
        List<List<String>> commands = new ArrayList<>();
        List<JsonNode> commandTasks = new ArrayList<>();
        JsonNode pull = null;
        for (JsonNode play : plays) {
            has(play, "name", "hosts", "tasks");
            for (JsonNode task : play.path("tasks")) {
                List<String> mods = new ArrayList<>();
                for (Iterator<String> it = task.fieldNames(); it.hasNext(); ) {
                    String k = it.next();
                    if (modules.contains(k)) {
                        mods.add(k);
                    } else {
                        assertTrue(taskKeys.contains(k), "unknown task key " + k + " in " + task);
                    }
                }
                assertEquals(1, mods.size(), "one module per task: " + task);
                JsonNode cmd = task.path(mods.get(0));
                if (mods.get(0).equals("ansible.posix.synchronize")) {
                    pull = cmd;
                }
                List<String> argv = new ArrayList<>();
                if (cmd.has("argv")) {
                    cmd.path("argv").forEach(a -> {
                        String x = a.asText();
                        for (Map.Entry<String, String> e : values.entrySet()) {
                            x = x.replace(e.getKey(), e.getValue());
                        }
                        argv.add(x);
                    });
                }
                if (!argv.isEmpty() && argv.get(0).equals("kboot")) {
                    commands.add(argv.subList(1, argv.size()));
                    commandTasks.add(task);
                } else if (cmd.isTextual()) {
                    commands.addAll(kbootCommands(cmd.asText(), values));
                    commandTasks.add(task);
                }
            }
        }
        assertEquals("libvirt_hosts", plays.get(0).path("hosts").asText());
        assertEquals("libvirt_hosts", plays.get(1).path("hosts").asText(), "each host runs its own shard");
        assertEquals("localhost", plays.get(2).path("hosts").asText(), "the controller merges");
        assertTrue(plays.get(1).path("vars").path("shard").asText().contains("ansible_play_hosts_all.index(inventory_hostname) + 1"),
                "a host's shard is its place in the group, 1-based");
        assertTrue(plays.get(1).path("vars").path("shards").asText().contains("ansible_play_hosts_all | length"));
        List<String> define = commands.stream().filter(c -> c.get(0).equals("libvirt")).findFirst().orElseThrow();
        assertEquals("qemu+ssh://virt1.example.org/system", option(define, "--connect"), "the controller declares the guests remotely");
        assertEquals("localhost", commandTasks.get(commands.indexOf(define)).path("delegate_to").asText());
        List<String> test = commands.stream().filter(c -> c.get(0).equals("test")).findFirst().orElseThrow();
        assertFalse(test.contains("--connect"), "kboot test --libvirt runs on the libvirt host (a remote URI is refused): " + test);
        assertEquals("1/3", option(test, "--shard"));
        JsonNode testTask = commandTasks.get(commands.indexOf(test));
        assertTrue(testTask.path("async").asInt() > 0, "a long shard survives ssh hiccups: async");
        assertTrue(testTask.path("failed_when").asText().contains("rc > 2"), "verdicts 0-2 are the merge's to judge");
        List<String> merge = commands.stream().filter(c -> c.get(0).equals("results")).findFirst().orElseThrow();
        assertNotNull(pull);
        String src = pull.path("src").asText().replace("{{ shard }}", "1");
        assertEquals(option(test, "--results"), src, "the controller pulls the shard's results");
        String local = pull.path("dest").asText() + src.substring(src.lastIndexOf('/') + 1);
        assertTrue(globMatches(merge.get(2), local), merge + " reads " + local);
        for (List<String> c : commands) {
            assertTrue(supported(c), "kboot has every subcommand and option of " + c);
            parses(c);
        }
    }

    @Test
    void theCommandLineCheckRejectsWhatKbootDoesNotTake() {
        List<String> bad = kbootCommands("kboot test result/ --suite kselftest --shards 1/4 --results r/", Map.of()).get(0);
        assertTrue(supported(List.of("test", "--shard")));
        assertFalse(supported(bad));
        try {
            parses(bad);
            throw new AssertionError("--shards is not an option");
        } catch (CommandLine.ParameterException expected) {
            assertTrue(expected.getMessage().contains("--shards"), expected.getMessage());
        }
    }
}
