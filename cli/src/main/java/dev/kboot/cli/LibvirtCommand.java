package dev.kboot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.Units;
import dev.kboot.launcher.libvirt.Applier;
import dev.kboot.launcher.libvirt.Change;
import dev.kboot.launcher.libvirt.ConsoleFollow;
import dev.kboot.launcher.libvirt.Declaration;
import dev.kboot.launcher.libvirt.Desired;
import dev.kboot.launcher.libvirt.DomainPlanner;
import dev.kboot.launcher.libvirt.DomainRequest;
import dev.kboot.launcher.libvirt.DomainSpec;
import dev.kboot.launcher.libvirt.DomainStatus;
import dev.kboot.launcher.libvirt.DomainXml;
import dev.kboot.launcher.libvirt.Domains;
import dev.kboot.launcher.libvirt.LibvirtConnection;
import dev.kboot.launcher.libvirt.Reconciler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.libvirt.Domain;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kboot libvirt ...}: kboot's guests as libvirt domains, defined idempotently. */
@Command(name = "libvirt", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Declare guests in libvirt idempotently (a NixOS qcow2 image, or an imageless closure with its store over virtiofs) and manage them.",
                "Run suites in one with 'kboot test --libvirt NAME'. See docs/libvirt.md."},
        subcommands = {LibvirtCommand.Define.class, LibvirtCommand.Apply.class, LibvirtCommand.Start.class, LibvirtCommand.Stop.class,
                LibvirtCommand.Undefine.class, LibvirtCommand.Status.class, LibvirtCommand.ListDomains.class, LibvirtCommand.Console.class})
final class LibvirtCommand {

    /** {@code --connect}, shared by every subcommand (a picocli mixin). */
    static final class Connection {
        @Option(names = {"-c", "--connect"}, paramLabel = "URI",
                description = "libvirt URI: qemu:///system, qemu:///session, test:///default, qemu+ssh://host/system... "
                        + "(default: $LIBVIRT_DEFAULT_URI, else qemu:///system).")
        String uri;

        /** @return the URI to connect to */
        String uri() {
            return uri(this.uri);
        }

        /** @return {@code given}, else $LIBVIRT_DEFAULT_URI, else qemu:///system */
        static String uri(String given) {
            if (given != null) {
                return given;
            }
            String env = System.getenv("LIBVIRT_DEFAULT_URI");
            return env != null && !env.isBlank() ? env : LibvirtConnection.DEFAULT_URI;
        }

        LibvirtConnection open() {
            return LibvirtConnection.open(uri());
        }
    }

    /** The desired-state options of define (a picocli mixin). */
    static final class DesiredOptions {
        @Option(names = "--state", paramLabel = "running|stopped", description = "Bring the domain to this state (default: leave it as it is).")
        String state;

        @Option(names = "--restart", paramLabel = "ifchanged|always|never", defaultValue = "ifchanged",
                description = "When a running domain is restarted: only when its definition changed, every time, or never (default: ${DEFAULT-VALUE}).")
        String restart;

        @Option(names = "--autostart", negatable = true, description = "Let libvirt start the domain with the host (--no-autostart: do not; default: leave it).")
        Boolean autostart;

        Desired desired() {
            return new Desired(Optional.ofNullable(state).map(s -> parse("--state", s, Desired.State::parse)),
                    parse("--restart", restart, Desired.Restart::parse), Optional.ofNullable(autostart));
        }
    }

    /** {@code --stop-timeout} (a picocli mixin). */
    static final class StopTimeout {
        @Option(names = "--stop-timeout", paramLabel = "DURATION", defaultValue = "60s",
                description = "How long a shutdown may take before the domain is destroyed (default: ${DEFAULT-VALUE}).")
        String value;

        Duration duration() {
            return Units.duration("--stop-timeout", value);
        }
    }

    static <T> T parse(String option, String value, Function<String, T> f) {
        try {
            return f.apply(value);
        } catch (IllegalArgumentException e) {
            throw KbootException.usage(option + " " + value + ": " + e.getMessage());
        }
    }

    static Duration duration(String option, String value) {
        return Units.duration(option, value);
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Prints changes as lines (with notes, and the diff when verbose or a dry run) or as JSON. */
    static void print(List<Change> changes, boolean json, boolean verbose, PrintWriter out, PrintWriter err) throws Exception {
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Change c : changes) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("kind", c.kind());
                m.put("name", c.name());
                m.put("actions", c.actions().stream().map(Change.Action::word).toList());
                m.put("dryRun", c.dryRun());
                m.put("notes", c.notes());
                m.put("diff", c.diff());
                list.add(m);
            }
            out.println(JSON.writeValueAsString(list));
            return;
        }
        for (Change c : changes) {
            out.println(c.line());
            for (String n : c.notes()) {
                out.println("  " + n);
            }
            if ((verbose || c.dryRun()) && !c.diff().isEmpty() && c.actions().get(0) == Change.Action.UPDATED) {
                c.diff().stream().filter(l -> !l.startsWith("  ")).forEach(l -> out.println("  " + l));
            }
        }
        out.flush();
    }

    @Command(name = "define", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = {"Define (or redefine) a domain from a NixOS image or, with --imageless, a closure: idempotent "
                    + "(identity by UUID, name-based unless given), a writable qcow2 overlay over the read-only image, one template.",
                    "Prints created, updated or unchanged, then started, stopped or restarted."})
    static final class Define implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Connection connection;

        @Mixin
        DesiredOptions desired;

        @Mixin
        StopTimeout stopTimeout;

        @Parameters(index = "0", paramLabel = "RESULT|IMAGE",
                description = "A NixOS toplevel (its image output beside it, as RESULT-image), an image output directory, or IMAGE.qcow2; with --imageless, the closure.")
        Path source;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The domain's name.")
        String name;

        @Option(names = "--uuid", paramLabel = "UUID", description = "The domain's UUID (default: a name-based UUID, so that repeated defines hit the same domain).")
        String uuid;

        @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "1G", description = "Guest RAM (default: ${DEFAULT-VALUE}).")
        String memory;

        @Option(names = "--cpus", paramLabel = "N", defaultValue = "2", description = "vCPUs (default: ${DEFAULT-VALUE}).")
        int cpus;

        @Option(names = "--network", paramLabel = "NAME", defaultValue = "default", description = "The libvirt network of its NIC, or 'none' (default: ${DEFAULT-VALUE}).")
        String network;

        @Option(names = "--pool", paramLabel = "NAME", defaultValue = "default", description = "The storage pool of the overlay volume (default: ${DEFAULT-VALUE}).")
        String pool;

        @Option(names = "--type", paramLabel = "kvm|qemu", defaultValue = "kvm", description = "kvm, or qemu (TCG, software emulation) (default: ${DEFAULT-VALUE}).")
        String type;

        @Option(names = "--firmware", paramLabel = "bios|efi", defaultValue = "bios", description = "Legacy BIOS, or UEFI (OVMF) (default: ${DEFAULT-VALUE}).")
        String firmware;

        @Option(names = "--imageless", description = "Boot the closure's kernel directly, its store and modules shared read-only over virtiofs.")
        boolean imageless;

        @Option(names = "--kernel", paramLabel = "BZIMAGE", description = "With --imageless: the kernel (default: the bootspec's).")
        Path kernel;

        @Option(names = "--modules", paramLabel = "DIR", description = "With --imageless: the modules directory (default: found next to the kernel).")
        Path modules;

        @Option(names = "--specialisation", paramLabel = "NAME", description = "With --imageless: boot this specialisation.")
        String specialisation;

        @Option(names = "--append", paramLabel = "ARGS", description = "With --imageless: kernel command line words, appended last.")
        String append = "";

        @Option(names = "--state-dir", paramLabel = "DIR",
                description = "kboot's directory for the domain on the libvirt host: agent socket, console log, writable share "
                        + "(default: /var/lib/kboot/libvirt/NAME; for qemu:///session ~/.local/state/kboot/libvirt/NAME).")
        Path stateDir;

        @Option(names = "--writable-share", negatable = true, defaultValue = "true",
                description = "Give the guest kboot's writable virtiofs share (fstests, blktests and LTP write their results there) (default: on).")
        boolean writableShare;

        @Option(names = "--dry-run", description = "Print the domain and volume XML and what would change; change nothing.")
        boolean dryRun;

        @Option(names = "--json", description = "Print what was done as JSON.")
        boolean json;

        @Mixin
        CommonOptions common;

        @Override
        public Integer call() throws Exception {
            if (!imageless && (kernel != null || modules != null || specialisation != null || !append.isEmpty())) {
                throw KbootException.usage("--kernel, --modules, --specialisation and --append go with --imageless");
            }
            DomainRequest req = new DomainRequest(source, imageless, kernel, modules, specialisation, append, name,
                    Optional.ofNullable(uuid).map(u -> parse("--uuid", u, UUID::fromString)), Units.memoryBytes("--memory", memory), cpus,
                    network.equals("none") ? Optional.empty() : Optional.of(network), pool,
                    parse("--type", type, DomainSpec.Hypervisor::parse), parse("--firmware", firmware, DomainSpec.Firmware::parse),
                    Optional.ofNullable(stateDir), writableShare);
            Desired d = desired.desired();
            Duration stop = stopTimeout.duration();
            PrintWriter out = spec.commandLine().getOut();
            try (LibvirtConnection c = connection.open()) {
                DomainPlanner.DomainPlan plan = DomainPlanner.plan(req, DomainPlanner.Host.of(c));
                if (dryRun && !json) {
                    out.println("# domain XML");
                    out.print(DomainXml.render(plan.spec()));
                    plan.overlay().ifPresent(v -> {
                        out.println("# overlay volume XML (pool " + v.pool() + ")");
                        out.print(v.xml());
                    });
                    out.println("# changes");
                }
                Change change = new Reconciler(c, stop).domain(plan, d, dryRun);
                print(List.of(change), json, common.verbose, out, spec.commandLine().getErr());
            }
            return 0;
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = {"Apply a declaration (YAML or JSON) of domains, networks and pools with volumes, idempotently: "
                    + "define what is absent, redefine what is present and compare, restart only what changed (per its restart policy).",
                    "Never deletes an object the file does not name, except with --prune: then only domains carrying kboot's mark."})
    static final class Apply implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Connection connection;

        @Parameters(index = "0", paramLabel = "FILE", description = "The declaration (docs/libvirt.md).")
        Path file;

        @Option(names = "--prune", description = "Delete the domains kboot defined that the file does not name (never others).")
        boolean prune;

        @Option(names = "--dry-run", description = "Say what would change (with the differences); change nothing.")
        boolean dryRun;

        @Option(names = "--json", description = "Print what was done as JSON.")
        boolean json;

        @Mixin
        StopTimeout stopTimeout;

        @Mixin
        CommonOptions common;

        @Override
        public Integer call() throws Exception {
            Declaration d = Declaration.read(file);
            Duration stop = stopTimeout.duration();
            try (LibvirtConnection c = connection.open()) {
                List<Change> changes = Applier.apply(d, c, new Reconciler(c, stop), prune, dryRun);
                print(changes, json, common.verbose, spec.commandLine().getOut(), spec.commandLine().getErr());
            }
            return 0;
        }
    }

    /** A subcommand on one named domain. */
    abstract static class OnDomain implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Connection connection;

        @Parameters(index = "0", paramLabel = "NAME", description = "The domain.")
        String name;

        @Mixin
        CommonOptions common;

        @Override
        public Integer call() throws Exception {
            validate();
            try (LibvirtConnection c = connection.open()) {
                Domains ds = new Domains(c);
                Domain d = ds.require(name);
                try {
                    return on(c, ds, d, spec.commandLine().getOut());
                } finally {
                    Domains.free(d);
                }
            }
        }

        /** Checks the option values before anything is asked of libvirt (exit 64). */
        void validate() {
        }

        abstract int on(LibvirtConnection c, Domains ds, Domain d, PrintWriter out) throws Exception;
    }

    @Command(name = "start", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, description = "Start a domain (nothing when it runs).")
    static final class Start extends OnDomain {
        @Override
        int on(LibvirtConnection c, Domains ds, Domain d, PrintWriter out) {
            if (ds.active(d)) {
                out.println("domain " + name + ": already running");
            } else {
                ds.start(d);
                out.println("domain " + name + ": started");
            }
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Shut a domain down (ACPI, and the kboot agent's power-off), then destroy it after --timeout.")
    static final class Stop extends OnDomain {
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", description = "How long the shutdown may take (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        void validate() {
            duration("--timeout", timeout);
        }

        @Override
        int on(LibvirtConnection c, Domains ds, Domain d, PrintWriter out) throws InterruptedException {
            Duration t = duration("--timeout", timeout);
            if (!ds.active(d)) {
                out.println("domain " + name + ": not running");
            } else if (ds.stop(d, t)) {
                out.println("domain " + name + ": stopped (shut down)");
            } else {
                out.println("domain " + name + ": stopped (destroyed after " + timeout + ")");
            }
            return 0;
        }
    }

    @Command(name = "undefine", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Stop (if running) and undefine a domain. UEFI NVRAM and TPM state are kept unless told.")
    static final class Undefine extends OnDomain {
        @Option(names = "--remove-storage", description = "Also delete kboot's overlay volume and its state directory (agent socket, console log, writable share).")
        boolean removeStorage;

        @Option(names = "--nvram", description = "Also delete the UEFI NVRAM.")
        boolean nvram;

        @Option(names = "--tpm", description = "Also delete the TPM state.")
        boolean tpm;

        @Mixin
        StopTimeout stopTimeout;

        @Override
        void validate() {
            stopTimeout.duration();
        }

        @Override
        int on(LibvirtConnection c, Domains ds, Domain d, PrintWriter out) throws InterruptedException {
            DomainXml.Facts f = DomainXml.read(ds.inactiveXml(d));
            if (ds.active(d)) {
                ds.stop(d, stopTimeout.duration());
            }
            ds.undefine(d, nvram, tpm);
            out.println("domain " + name + ": undefined");
            if (removeStorage) {
                for (String n : new Reconciler(c, Duration.ZERO).removeStorage(f)) {
                    out.println("  " + n);
                }
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, description = "Show a domain: state, what kboot defined it from, its sockets and addresses.")
    static final class Status extends OnDomain {
        @Option(names = "--json", description = "As JSON.")
        boolean json;

        @Override
        int on(LibvirtConnection c, Domains ds, Domain d, PrintWriter out) throws Exception {
            DomainStatus s = DomainStatus.of(c, d);
            if (json) {
                out.println(JSON.writeValueAsString(s));
            } else {
                s.lines().forEach(out::println);
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, description = "List the domains (all of them; kboot's are marked).")
    static final class ListDomains implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Connection connection;

        @Option(names = "--json", description = "As JSON.")
        boolean json;

        @Mixin
        CommonOptions common;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<DomainStatus> all = new ArrayList<>();
            try (LibvirtConnection c = connection.open()) {
                for (Domain d : new Domains(c).all()) {
                    try {
                        all.add(DomainStatus.of(c, d));
                    } finally {
                        Domains.free(d);
                    }
                }
            }
            if (json) {
                out.println(JSON.writeValueAsString(all));
                return 0;
            }
            out.println(String.format("%-24s %-9s %-6s %-5s %9s  %s", "NAME", "STATE", "KBOOT", "TYPE", "MEMORY", "SOURCE"));
            for (DomainStatus s : all) {
                out.println(String.format("%-24s %-9s %-6s %-5s %6d MiB  %s", s.name(), s.state(), s.kboot() ? "yes" : "no", s.type(),
                        s.memoryBytes() >> 20, s.source() == null ? "" : s.source()));
            }
            return 0;
        }
    }

    @Command(name = "console", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Print a domain's serial console log and follow it until the domain stops (read-only; virsh console for input).")
    static final class Console extends OnDomain {
        @Option(names = "--no-follow", description = "Print what the log holds and exit.")
        boolean noFollow;

        @Override
        int on(LibvirtConnection c, Domains ds, Domain d, PrintWriter out) throws Exception {
            ConsoleFollow.run(c, d, line -> {
                out.println(line);
                out.flush();
            }, !noFollow);
            return 0;
        }
    }
}
