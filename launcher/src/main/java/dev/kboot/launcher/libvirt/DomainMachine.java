package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.console.Console;
import dev.kboot.launcher.console.ConsoleLine;
import dev.kboot.launcher.console.CrashWatch;
import dev.kboot.launcher.process.Deadline;
import dev.kboot.launcher.vm.GuestFacts;
import dev.kboot.launcher.vm.GuestMachine;
import dev.kboot.launcher.vm.Timings;
import dev.kboot.launcher.vm.VmEnd;
import dev.kboot.launcher.vm.VmOptions;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEvent;
import org.libvirt.event.DomainEventType;
import org.libvirt.event.LifecycleListener;
import org.libvirt.event.StoppedDetail;

/**
 * A libvirt domain as a {@link GuestMachine}: kboot starts it (or attaches to it when it runs
 * already), connects to the agent's unix socket that QEMU listens on, follows the serial
 * console's log file into a {@link Console} with its {@link CrashWatch}, and learns the domain's
 * end from libvirt's lifecycle events (with a poll of its state as a backstop).
 *
 * <p>{@link #close()} destroys the domain only when kboot started it and it still runs (a run
 * that did not power it off, Ctrl-C); a domain kboot attached to keeps running. Listeners are
 * deregistered and handles freed before the connection closes.
 *
 * <p>The agent socket, console log and writable share are paths on the libvirt host: this works
 * for a local URI. For a remote one see docs/libvirt.md.
 */
public final class DomainMachine implements GuestMachine {
    private static final Set<DomainMachine> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (DomainMachine m : List.copyOf(OPEN)) {
                m.interrupted = true;
                m.close();
            }
        }, "kboot-libvirt-cleanup"));
    }

    private final LibvirtConnection conn;
    private final Domains domains;
    private final Domain dom;
    private final String name;
    private final DomainXml.Facts facts;
    private GuestFacts gfacts;
    private final VmOptions options;
    private final boolean startedByKboot;
    private final CrashWatch crashes = new CrashWatch();
    private final CompletableFuture<DomainEvent> stopped = new CompletableFuture<>();
    private final LifecycleListener listener;
    private final Path consoleCopy;
    private Console console;
    private LogFollower follower;
    private final CompletableFuture<SocketChannel> agent = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile boolean interrupted;
    private volatile boolean keepLogs;
    private volatile long lastAsked = System.nanoTime();

    private DomainMachine(LibvirtConnection conn, Domain dom, String name, DomainXml.Facts facts, VmOptions options, boolean startedByKboot,
                          Path consoleCopy) {
        this.conn = conn;
        this.domains = new Domains(conn);
        this.dom = dom;
        this.name = name;
        this.facts = facts;
        this.options = options;
        this.startedByKboot = startedByKboot;
        this.consoleCopy = consoleCopy;
        this.listener = (d, event) -> {
            if (event.getType() == DomainEventType.STOPPED || event.getType() == DomainEventType.CRASHED) {
                stopped.complete(event);
            }
            return 0;
        };
    }

    /**
     * Starts domain {@code name} (or attaches to it when it runs), and connects to its agent.
     *
     * @param conn    the connection (owned by the machine from now on: closed with it)
     * @param name    the domain
     * @param options where output goes (the console log copy goes to {@code options.consoleLog()})
     * @param agent   whether to connect to the agent's socket (QEMU takes one client at a time)
     * @return the machine; close it
     * @throws KbootException 66 when there is no such domain, 69 when it has no kboot agent
     *                        channel or console log, or kboot cannot reach them (a remote URI)
     */
    public static DomainMachine open(LibvirtConnection conn, String name, VmOptions options, boolean agent) {
        Domains domains = new Domains(conn);
        Domain dom;
        try {
            dom = domains.require(name);
        } catch (KbootException e) {
            conn.close();
            throw e;
        }
        DomainMachine m = null;
        try {
            DomainXml.Facts f = DomainXml.read(domains.inactiveXml(dom));
            if (f.agentSocket().isEmpty()) {
                throw KbootException.unavailable("domain " + name + " has no virtio-serial channel named " + DomainSpec.AGENT_PORT
                        + " (a unix socket): define it with kboot libvirt define, or add the channel");
            }
            if (f.consoleLog().isEmpty()) {
                throw KbootException.unavailable("domain " + name + " logs no serial console (<serial><log file=.../></serial>): kboot cannot watch it for crashes");
            }
            if (!conn.isLocal() || conn.isTest()) {
                throw KbootException.unavailable("domain " + name + " is on " + conn.uri() + ": its agent socket " + f.agentSocket().get()
                        + " is not on this host (run kboot on the libvirt host; docs/libvirt.md, remote hosts)");
            }
            GuestFacts gf = guestFacts(conn, name, f);
            boolean running = domains.active(dom);
            Path copy = options.consoleLog() != null ? options.consoleLog() : Files.createTempFile("kboot-" + name + "-", ".console.log");
            m = new DomainMachine(conn, dom, name, f, options, !running, copy);
            m.gfacts = gf;
            OPEN.add(m);
            m.start(running, agent);
            return m;
        } catch (KbootException e) {
            if (m != null) {
                m.keepLogs = true;
                m.close();
            } else {
                Domains.free(dom);
                conn.close();
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            if (m != null) {
                m.close();
            } else {
                Domains.free(dom);
                conn.close();
            }
            throw KbootException.internal("cannot attach to domain " + name + ": " + e, e);
        }
    }

    private void start(boolean running, boolean withAgent) throws IOException {
        Timings t = options.timings();
        console = new Console(consoleCopy, options.liveConsole(), t::now);
        console.addListener(crashes);
        console.addListener(l -> t.mark("first console byte"));
        conn.run("cannot watch domain " + name, () -> dom.addLifecycleListener(listener));
        if (!running) {
            domains.start(dom);
            t.mark("domain started");
        }
        // libvirt (virtlogd) truncates the log when the domain starts (append='off'): a started domain is read from the start
        follower = new LogFollower(facts.consoleLog().get(), !running);
        console.attach("ttyS0", follower);
        if (!withAgent) {
            return;
        }
        Path socket = facts.agentSocket().get();
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            agent.complete(ch);
        } catch (IOException e) {
            throw KbootException.unavailable("cannot connect to the kboot agent's socket " + socket + " of domain " + name + ": " + e.getMessage()
                    + (running ? " (is another kboot connected to it?)" : ""));
        }
    }

    /**
     * @return what kboot recorded in the domain ({@code f}) and what libvirt says of it; the
     *         kernel's release and command line are left to the guest
     */
    static GuestFacts guestFacts(LibvirtConnection conn, String name, DomainXml.Facts f) {
        return new GuestFacts(f.label().orElse(null), f.toplevel().orElse(null), null, null,
                conn.hypervisor() + " via libvirt " + LibvirtConnection.version(conn.libVersion()) + ", domain " + name + " on " + conn.uri(),
                f.type().equals("kvm") ? "kvm" : "tcg");
    }

    @Override
    public CompletableFuture<SocketChannel> agentConnection() {
        return agent;
    }

    @Override
    public boolean attached() {
        return !startedByKboot;
    }

    @Override
    public Console console() {
        return console;
    }

    @Override
    public CrashWatch crashes() {
        return crashes;
    }

    @Override
    public Timings timings() {
        return options.timings();
    }

    /** @return the facts kboot recorded in the domain, and libvirt's: kernel release and command line come from the guest */
    @Override
    public GuestFacts facts() {
        return gfacts;
    }

    @Override
    public boolean isRunning() {
        if (closed || stopped.isDone()) {
            return false;
        }
        try {
            return dom.isActive() == 1;
        } catch (LibvirtException e) {
            return false;
        }
    }

    /**
     * @return whether the domain stopped: its lifecycle event, or (at most once a second, as a
     *         backstop for a missed event) libvirt's answer; callers poll this while they wait
     */
    @Override
    public boolean stopping() {
        if (closed || stopped.isDone()) {
            return true;
        }
        long now = System.nanoTime();
        if (now - lastAsked < 1_000_000_000L) {
            return false;
        }
        lastAsked = now;
        return !isRunning();
    }

    @Override
    public VmEnd awaitEnd(Deadline deadline) throws InterruptedException {
        while (true) {
            try {
                stopped.get(Math.max(1, deadline.remainingMillis(1000)), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // a missed event must not hang kboot: the state is asked too
            }
            if (stopped.isDone() || !isRunning()) {
                follower.finish();
                console.awaitEnd(5000);
                return judge();
            }
            if (deadline.expired()) {
                return new VmEnd(VmEnd.Kind.TIMEOUT, "timed out after " + deadline.budget().toSeconds() + " s", Optional.of(consoleTail(50)));
            }
        }
    }

    /** Says how the domain ended: the console's panic first, then libvirt's stop reason. */
    private VmEnd judge() {
        options.timings().mark("guest powered off");
        var panic = crashes.panic();
        if (panic.isPresent()) {
            return new VmEnd(VmEnd.Kind.PANIC, "kernel panic: " + panic.get().line().text().trim(), Optional.of(panic.get().text()));
        }
        DomainEvent e = stopped.getNow(null);
        if (e != null && e.getType() == DomainEventType.CRASHED) {
            return new VmEnd(VmEnd.Kind.PANIC, "the guest crashed (libvirt: " + e.getDetail() + ")", Optional.of(consoleTail(50)));
        }
        Object detail = e == null ? null : e.getDetail();
        if (detail == StoppedDetail.SHUTDOWN) {
            return new VmEnd(VmEnd.Kind.POWERED_OFF, "the guest powered off", Optional.empty());
        }
        if (detail == StoppedDetail.CRASHED) {
            var fatal = crashes.firstFatal();
            return new VmEnd(VmEnd.Kind.RESET, "the guest crashed (libvirt: stopped, crashed)" + fatal.map(f -> " after " + f.signature()).orElse(""),
                    Optional.of(fatal.map(CrashWatch.Incident::text).orElse(consoleTail(50))));
        }
        if (detail == StoppedDetail.FAILED) {
            return new VmEnd(VmEnd.Kind.QEMU_DIED, "QEMU failed under libvirt without the guest shutting down", Optional.of(consoleTail(30)));
        }
        if (detail == StoppedDetail.DESTROYED) {
            // on_reboot=destroy: an imageless guest's reset ends it as -no-reboot does for kboot run
            var fatal = crashes.firstFatal();
            if (fatal.isPresent()) {
                return new VmEnd(VmEnd.Kind.RESET, "the guest stopped after " + fatal.get().signature(), Optional.of(fatal.get().text()));
            }
            return new VmEnd(VmEnd.Kind.STOPPED, "the domain was destroyed", Optional.empty());
        }
        return new VmEnd(VmEnd.Kind.STOPPED, "the domain stopped" + (e == null ? "" : " (libvirt: " + detail + ")"), Optional.empty());
    }

    @Override
    public String consoleTail(int n) {
        return console == null ? "" : console.tail(n).stream().map(ConsoleLine::text).collect(Collectors.joining("\n"));
    }

    /** @return the writable share's host directory (virtiofs tag kboot-xfer), when the domain has one */
    @Override
    public Optional<Path> sharedDirectory() {
        return facts.sharedDir();
    }

    @Override
    public void keepLogs() {
        keepLogs = true;
    }

    @Override
    public boolean interrupted() {
        return interrupted;
    }

    /** @return where the console log copy is */
    public Path consoleLog() {
        return consoleCopy;
    }

    /**
     * Releases the domain: destroys it when kboot started it and it still runs, stops following
     * its console, deregisters the listener, frees the handle and closes the connection.
     * Idempotent; never throws.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (startedByKboot) {
            try {
                if (dom.isActive() == 1) {
                    dom.destroy();
                }
            } catch (LibvirtException e) {
                // it stopped meanwhile
            }
        }
        agent.thenAccept(ch -> {
            try {
                ch.close();
            } catch (IOException e) {
                // closing
            }
        });
        try {
            if (follower != null) {
                follower.finish();
            }
            if (console != null) {
                console.awaitEnd(2000);
                console.close();
            }
            if (follower != null) {
                follower.close();
            }
        } catch (IOException e) {
            // keep going
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            conn.raw().removeLifecycleListener(listener);
        } catch (LibvirtException | RuntimeException e) {
            // not registered
        }
        Domains.free(dom);
        conn.close();
        if (options.consoleLog() == null && !keepLogs && !interrupted) {
            try {
                Files.deleteIfExists(consoleCopy);
            } catch (IOException e) {
                // a temporary file
            }
        }
        OPEN.remove(this);
    }
}
