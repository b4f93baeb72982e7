package dev.kboot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.doctor.Check;
import dev.kboot.launcher.doctor.Doctor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kboot doctor [--kernel BZIMAGE] [--modules DIR] [RESULT] [--json]}: can this host and kernel boot imageless? */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Check that this host can boot the imageless way (QEMU and its machines, memfd, virtiofsd, /dev/kvm and the "
                + "accelerator probe's verdict, unshare, the runtime and cache directories) and, given a kernel or a closure, "
                + "the kconfig preflight: every option the boot needs (virtio PCI, FUSE, virtiofs, virtio console, the serial console, "
                + "devtmpfs, tmpfs, AF_UNIX, the agent's) built in, a module the closure's initrd can load, or missing.",
                "The kernel's config is read from its embedded IKCONFIG, a config-RELEASE (or config) beside it, or its build tree's "
                        + ".config, with the modules directory's modules.builtin and modules.dep.",
                "One line per check: ok, warn or fail, and the fix. Exits 0 when nothing failed (warnings allowed), 1 when a check failed."})
final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", arity = "0..1", paramLabel = "RESULT",
            description = "A closure (toplevel, 'result' link or boot.json): its kernel and initrd are checked.")
    Path result;

    @Option(names = "--kernel", paramLabel = "BZIMAGE", description = "The kernel to check (bzImage or ELF vmlinux). Default: the closure's.")
    Path kernel;

    @Option(names = "--modules", paramLabel = "DIR", description = "The modules directory (holding <release>/). Default: found next to the kernel, as kboot run does.")
    Path modules;

    @Option(names = "--initrd", paramLabel = "FILE", description = "The initrd whose modules stage 1 can load. Default: the closure's.")
    Path initrd;

    @Option(names = "--qemu", paramLabel = "PATH", description = "qemu-system-x86_64 to check. Default: from $PATH.")
    Path qemu;

    @Option(names = "--virtiofsd", paramLabel = "PATH", description = "virtiofsd to check. Default: from $PATH, then the usual libexec places.")
    Path virtiofsd;

    @Option(names = "--json", description = "Print the checks as JSON (for scripts).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Doctor.Report report = Doctor.run(new Doctor.Request(result, kernel, modules, initrd, qemu, virtiofsd));
        if (json) {
            out.print(json(report));
        } else {
            boolean c = common.colour(Terminal.STDOUT);
            print(out, "host", report.host(), c);
            if (!report.label().isEmpty()) {
                print(out, "kernel: " + report.label(), report.kernel(), c);
            }
            long fails = count(report, Check.Level.FAIL);
            long warns = count(report, Check.Level.WARN);
            out.println(fails == 0 ? "doctor: ready" + (warns == 0 ? "" : " (" + warns + " warning" + (warns == 1 ? "" : "s") + ")")
                    : "doctor: " + fails + " failure" + (fails == 1 ? "" : "s") + (warns == 0 ? "" : ", " + warns + " warning" + (warns == 1 ? "" : "s")));
        }
        out.flush();
        return report.failed() ? ExitCode.FAILED.code() : ExitCode.OK.code();
    }

    private static long count(Doctor.Report r, Check.Level l) {
        return r.host().stream().filter(c -> c.level() == l).count() + r.kernel().stream().filter(c -> c.level() == l).count();
    }

    /** Prints one section: a line per check ({@code ok    qemu  ...}) and the fix under a warning or failure. */
    static void print(PrintWriter out, String title, List<Check> checks, boolean colour) {
        out.println(title);
        int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(4);
        for (Check c : checks) {
            String level = String.format(Locale.ROOT, "%-4s", c.level().key());
            String sgr = switch (c.level()) {
                case OK -> "32";
                case WARN -> "33";
                case FAIL -> "31";
            };
            out.println("  " + Terminal.paint(colour, sgr, level) + "  " + String.format(Locale.ROOT, "%-" + width + "s", c.name()) + "  " + c.detail());
            if (!c.fix().isEmpty() && c.level() != Check.Level.OK) {
                out.println("  " + " ".repeat(4 + 2 + width + 2) + "fix: " + c.fix());
            }
        }
    }

    /** @return the report as JSON: {@code {"ok": bool, "host": [check], "kernel": {"label", "checks": [check]}}} */
    static String json(Doctor.Report r) throws Exception {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("ok", !r.failed());
        checks(root.putArray("host"), r.host());
        if (!r.label().isEmpty()) {
            ObjectNode k = root.putObject("kernel");
            k.put("label", r.label());
            checks(k.putArray("checks"), r.kernel());
        }
        return m.writeValueAsString(root) + "\n";
    }

    private static void checks(ArrayNode a, List<Check> checks) {
        for (Check c : checks) {
            ObjectNode o = a.addObject();
            o.put("name", c.name());
            o.put("level", c.level().key());
            o.put("detail", c.detail());
            o.put("fix", c.fix());
        }
    }
}
