package dev.kboot.harness.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kboot.harness.model.Incident;
import dev.kboot.harness.model.RunInfo;
import dev.kboot.harness.model.RunResult;
import dev.kboot.harness.model.Status;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.shard.Owners;
import dev.kboot.launcher.KbootException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A run as KernelCI's KCIDB report data, schema v4.5 (kernelci/kcidb-io,
 * {@code kcidb_io/schema/v04_05.py}): one checkout and one build named on the command line, and a
 * {@code tests} entry per test, ready for {@code kcidb-submit} or kci-dev.
 *
 * <p>kboot's statuses map onto KCIDB's six (docs/scale-out.md has the table): PASS and XPASS are
 * PASS, FAIL, TIMEOUT and CRASH are FAIL (the tested kernel is at fault: a hang or a crash), ERROR
 * is ERROR, SKIP and EXPUNGED are SKIP, MISS is MISS; XFAIL is FAIL and XPASS PASS with
 * {@code waived: true} (an expunge entry expects it to fail). kboot's own status is kept in
 * {@code misc.kboot_status}.
 */
public final class KcidbJson {
    /** The KCIDB schema version written. */
    public static final int MAJOR = 4;
    /** The KCIDB schema minor version written. */
    public static final int MINOR = 5;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern ORIGIN = Pattern.compile("^[a-z0-9_]+$");
    private static final Pattern ID = Pattern.compile("^[a-z0-9_]+:.*$");
    private static final Pattern COMMIT = Pattern.compile("^[0-9a-f]{40}$");
    private static final Pattern REPO_URL = Pattern.compile("^(https|git)://.*$");

    /**
     * What the command line says about the kernel under test.
     *
     * @param origin     the submitting CI system's KCIDB origin ({@code ^[a-z0-9_]+$})
     * @param checkoutId the checkout's id ({@code ORIGIN:...}; an id without a colon gets the
     *                   origin in front), or null for {@code ORIGIN:} and the commit hash or kernel release
     * @param buildId    the build's id (as above), or null for the checkout's id and a hash of the kernel
     *                   release and the closure's toplevel
     * @param gitCommit  the kernel's commit hash (40 hex digits), or null
     * @param gitUrl     the kernel repository ({@code https://} or {@code git://}), or null
     * @param baseUrl    where the results directory is published ({@code log_url}, {@code output_files}), or null
     */
    public record Options(String origin, String checkoutId, String buildId, String gitCommit, String gitUrl, String baseUrl) {
        /**
         * Checks every value against the schema's patterns.
         *
         * @throws KbootException 64 naming the option and what was expected
         */
        public Options {
            if (origin == null || !ORIGIN.matcher(origin).matches()) {
                throw KbootException.usage("--origin " + origin + ": expected a KCIDB origin, lower-case letters, digits and _ (e.g. my_lab)");
            }
            if (gitCommit != null && !COMMIT.matcher(gitCommit).matches()) {
                throw KbootException.usage("--git-commit " + gitCommit + ": expected a full 40-digit lower-case hex commit hash");
            }
            if (gitUrl != null && !REPO_URL.matcher(gitUrl).matches()) {
                throw KbootException.usage("--git-url " + gitUrl + ": expected an https:// or git:// repository URL");
            }
            if (baseUrl != null) {
                try {
                    URI u = new URI(baseUrl);
                    if (!u.isAbsolute() || u.getHost() == null && !"file".equals(u.getScheme())) {
                        throw new URISyntaxException(baseUrl, "not an absolute URL");
                    }
                } catch (URISyntaxException e) {
                    throw KbootException.usage("--base-url " + baseUrl + ": expected an absolute URL (https://host/path) where the results directory is published");
                }
                baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
            }
            checkoutId = qualify(origin, checkoutId);
            buildId = qualify(origin, buildId);
        }

        private static String qualify(String origin, String id) {
            if (id == null || id.isBlank()) {
                return null;
            }
            return ID.matcher(id).matches() ? id : origin + ":" + id;
        }
    }

    private KcidbJson() {
    }

    /**
     * @param run the run (a single host's, a shard's or a merge's)
     * @param o   the command line's facts
     * @return the KCIDB JSON text, UTF-8, pretty-printed, ending with a newline
     */
    public static String write(RunResult run, Options o) {
        RunInfo i = run.info();
        String checkout = o.checkoutId() != null ? o.checkoutId()
                : o.origin() + ":" + (o.gitCommit() != null ? o.gitCommit() : "linux-" + (i.kernelRelease() == null ? "unknown" : i.kernelRelease()));
        String build = o.buildId() != null ? o.buildId()
                : checkout + ":kboot-" + hash(i.kernelRelease() + "\n" + i.bootspecToplevel()).substring(0, 12);
        String runId = hash(build + "\n" + i.startTime() + "\n" + run.suites() + "\n"
                + (run.sharding() == null ? "" : run.sharding().index() + "/" + run.sharding().count())).substring(0, 16);
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode v = root.putObject("version");
        v.put("major", MAJOR);
        v.put("minor", MINOR);
        ObjectNode c = root.putArray("checkouts").addObject();
        c.put("id", checkout);
        c.put("origin", o.origin());
        if (o.gitCommit() != null) {
            c.put("git_commit_hash", o.gitCommit());
        }
        if (o.gitUrl() != null) {
            c.put("git_repository_url", o.gitUrl());
        }
        ObjectNode b = root.putArray("builds").addObject();
        b.put("id", build);
        b.put("checkout_id", checkout);
        b.put("origin", o.origin());
        if (i.bootspecLabel() != null || i.kernelRelease() != null) {
            b.put("comment", "Linux " + (i.kernelRelease() == null ? "(release unknown)" : i.kernelRelease())
                    + (i.bootspecLabel() == null ? "" : ", closure " + i.bootspecLabel()));
        }
        ObjectNode env = environment(i);
        Optional<Owners> owners = run.sharding() != null && run.sharding().merged() ? run.sharding().owners() : Optional.empty();
        ArrayNode tests = root.putArray("tests");
        for (TestResult t : run.tests()) {
            ObjectNode x = tests.addObject();
            x.put("id", o.origin() + ":" + runId + ":" + t.id());
            x.put("build_id", build);
            x.put("origin", o.origin());
            x.put("path", path(t));
            x.put("status", status(t.status()));
            if (t.status() == Status.XFAIL || t.status() == Status.XPASS) {
                x.put("waived", true);
            }
            if (t.durationMs() != null) {
                x.put("duration", BigDecimal.valueOf(t.durationMs(), 3));
            }
            if (!t.reason().isEmpty()) {
                x.put("comment", t.reason());
            }
            if (!t.excerpt().isEmpty()) {
                x.put("log_excerpt", t.excerpt());
            }
            if (o.baseUrl() != null) {
                Optional<Integer> shard = owners.flatMap(w -> w.of(t.id()));
                x.put("log_url", o.baseUrl() + "/" + shard.map(s -> "shard-" + s + "/").orElse("") + "console.log");
                if (!t.artifacts().isEmpty()) {
                    ArrayNode files = x.putArray("output_files");
                    for (String a : t.artifacts()) {
                        String name = a.substring(a.lastIndexOf('/') + 1);
                        files.addObject().put("name", name.isEmpty() ? "artifact" : name).put("url", o.baseUrl() + "/" + encodePath(a));
                    }
                }
            }
            x.set("environment", env.deepCopy());
            ObjectNode misc = x.putObject("misc");
            misc.put("kboot_status", t.status().key());
            misc.put("kboot_id", t.id().toString());
            if (!t.rawStatus().isEmpty()) {
                misc.put("raw_status", t.rawStatus());
            }
            if (t.unstable()) {
                misc.put("unstable", true);
            }
            if (!t.incidents().isEmpty()) {
                ArrayNode inc = misc.putArray("incidents");
                for (Incident n : t.incidents()) {
                    inc.add(n.headline());
                }
            }
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render KCIDB JSON", e);
        }
    }

    /** The test environment: the machine facts in a comment, and each in misc. */
    private static ObjectNode environment(RunInfo i) {
        ObjectNode env = MAPPER.createObjectNode();
        List<String> parts = new ArrayList<>();
        parts.add("kboot " + (i.kbootVersion() == null ? "" : i.kbootVersion()).strip());
        if (i.kernelRelease() != null) {
            parts.add("Linux " + i.kernelRelease());
        }
        if (i.qemuVersion() != null) {
            parts.add(i.qemuVersion());
        }
        if (i.accelerator() != null) {
            parts.add("accelerator " + i.accelerator());
        }
        env.put("comment", String.join(", ", parts));
        ObjectNode m = env.putObject("misc");
        m.put("kernel_release", i.kernelRelease());
        m.put("accelerator", i.accelerator());
        m.put("qemu_version", i.qemuVersion());
        m.put("kernel_cmdline", i.kernelCmdline());
        m.put("bootspec_label", i.bootspecLabel());
        m.put("bootspec_toplevel", i.bootspecToplevel());
        m.put("kboot_version", i.kbootVersion());
        // KCIDB allows no null anywhere: drop what is unknown.
        List<String> unknown = new ArrayList<>();
        m.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                unknown.add(e.getKey());
            }
        });
        m.remove(unknown);
        return env;
    }

    /**
     * @param s a kboot status
     * @return the KCIDB status: PASS, FAIL, ERROR, MISS or SKIP (kboot produces no DONE)
     */
    public static String status(Status s) {
        return switch (s) {
            case PASS, XPASS -> "PASS";
            case FAIL, TIMEOUT, CRASH, XFAIL -> "FAIL";
            case ERROR -> "ERROR";
            case SKIP, EXPUNGED -> "SKIP";
            case MISS -> "MISS";
        };
    }

    /**
     * The KCIDB test path: the id's segments, each split again at {@code /} (fstests names), with
     * every run of characters outside {@code [a-zA-Z0-9_-]} made one {@code _}, joined with dots
     * ({@code kselftest/timers/nanosleep} is {@code kselftest.timers.nanosleep},
     * {@code fstests/global/generic/001} is {@code fstests.global.generic.001}).
     *
     * @return a path matching KCIDB's {@code ^[.a-zA-Z0-9_-]*$}
     */
    static String path(TestResult t) {
        List<String> parts = new ArrayList<>();
        for (String seg : t.id().segments()) {
            for (String p : seg.split("/")) {
                if (!p.isEmpty()) {
                    parts.add(p.replaceAll("[^a-zA-Z0-9_-]+", "_"));
                }
            }
        }
        return String.join(".", parts);
    }

    private static String encodePath(String relative) {
        StringBuilder b = new StringBuilder();
        for (String seg : relative.split("/")) {
            if (b.length() > 0) {
                b.append('/');
            }
            b.append(java.net.URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return b.toString();
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
