package dev.kboot.launcher.vm;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.console.Console;
import dev.kboot.launcher.console.ConsoleLine;
import dev.kboot.launcher.console.CrashWatch;
import dev.kboot.launcher.process.Deadline;
import dev.kboot.launcher.process.ManagedProcess;
import dev.kboot.launcher.process.RunDirectory;
import dev.kboot.launcher.process.UnixSockets;
import dev.kboot.launcher.qemu.Qmp;
import dev.kboot.launcher.virtiofs.Share;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A booted guest: its virtiofsd daemons, QEMU, consoles, QMP connection and run directory.
 *
 * <p>A boot goes: bind every socket QEMU will connect to (consoles, QMP, the agent port), start
 * one virtiofsd per share, wait until each listens (event-driven, failing at once when a daemon
 * exits), start QEMU, accept its connections. Any failure stops what was started (in reverse
 * order) and raises one {@link KbootException} carrying the command line, how the process ended
 * and its log tail.
 *
 * <p>{@link #close()} stops QEMU, then every virtiofsd, closes the sockets and finishes the run
 * directory; it is idempotent, bounded, attempts every step even when one fails, and also runs
 * from a JVM shutdown hook (Ctrl-C, SIGTERM) for guests still open.
 */
public final class Vm implements GuestMachine {
    private static final Set<Vm> OPEN = ConcurrentHashMap.newKeySet();
    private static volatile boolean stopping;
    private static final Duration DAEMON_READY = Duration.ofSeconds(10);
    private static final Duration QEMU_CONNECT = Duration.ofSeconds(30);
    private static final Duration GRACE = Duration.ofSeconds(3);
    /**
     * A thread per spawn: the common pool has one worker on a 2-CPU host, which made the
     * "concurrent" virtiofsd spawns one after the other.
     */
    private static final java.util.concurrent.Executor SPAWN = task -> {
        Thread th = new Thread(task, "kboot-spawn");
        th.setDaemon(true);
        th.start();
    };
    private static final Pattern STAGE2 = Pattern.compile("<<< NixOS Stage 2 >>>|Welcome to .*NixOS|systemd\\[1\\]: .*Switching root");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Vm::interruptAll, "kboot-cleanup"));
    }

    /**
     * Stops every guest this JVM has open, marking each interrupted (Ctrl-C, SIGTERM): what
     * waits on one of them returns or fails at once, and a boot in progress starts nothing more.
     * Called by the JVM shutdown hook and by the CLI's signal handler. Never throws.
     */
    public static void interruptAll() {
        stopping = true;
        for (Vm vm : List.copyOf(OPEN)) {
            vm.interrupted = true;
            vm.close();
        }
    }

    private final BootPlan plan;
    private final RunDirectory run;
    private final Path transferDir;
    private final VmOptions options;
    private final List<ManagedProcess> daemons = new ArrayList<>();
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private volatile ManagedProcess qemu;
    private Qmp qmp;
    private Console console;
    private final CrashWatch crashes = new CrashWatch();
    private CompletableFuture<SocketChannel> agent = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile boolean interrupted;
    private volatile boolean keepLogs;
    private volatile String hostFailure;

    private Vm(BootPlan plan, RunDirectory run, VmOptions options) {
        this.plan = plan;
        this.run = run;
        this.options = options;
        // Absolute: the legacy virtiofsd chroots into its source=, which a relative path (kboot
        // test's default --results kboot-results) does not reliably name.
        this.transferDir = (options.transferDir() != null ? options.transferDir() : BootPlan.xferDir(run.path())).toAbsolutePath();
    }

    /**
     * Boots {@code plan}.
     *
     * @param plan    what to boot
     * @param options where output goes
     * @return the running guest; close it
     * @throws KbootException exit 69 when virtiofsd or QEMU fails to start (with its log tail),
     *                        125 when the run directory cannot be made
     */
    public static Vm boot(BootPlan plan, VmOptions options) {
        if (stopping) {
            throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
        }
        // Off the boot's path: what dead runs left is no obstacle to this one (reapStale never
        // touches a run whose owner is alive, nor a directory being created).
        Thread reap = new Thread(() -> RunDirectory.reapStale(RunDirectory.base()), "kboot-reap-stale");
        reap.setDaemon(true);
        reap.start();
        RunDirectory run;
        try {
            run = RunDirectory.create(RunDirectory.base());
        } catch (IOException e) {
            throw KbootException.internal("cannot create a run directory under " + RunDirectory.base() + ": " + e.getMessage(), e);
        }
        Vm vm = new Vm(plan, run, options);
        OPEN.add(vm);
        if (stopping) {
            // interruptAll() ran while this boot was starting: it may not have seen it
            vm.interrupted = true;
            vm.close();
            throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
        }
        try {
            vm.start();
            return vm;
        } catch (KbootException e) {
            vm.keepLogs = true;
            vm.close();
            throw vm.interrupted ? new KbootException(ExitCode.INTERRUPTED, "interrupted") : e;
        } catch (IOException | RuntimeException e) {
            vm.keepLogs = true;
            vm.close();
            throw vm.interrupted ? new KbootException(ExitCode.INTERRUPTED, "interrupted") : KbootException.internal("boot failed: " + e, e);
        } catch (InterruptedException e) {
            vm.close();
            Thread.currentThread().interrupt();
            throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
        }
    }

    private void start() throws IOException, InterruptedException {
        Path dir = run.path();
        Timings t = options.timings();
        checkSocketPaths(dir);
        if (plan.hasTransferShare()) {
            java.nio.file.Files.createDirectories(transferDir);
        }
        // The virtiofsd first, each spawned on its own thread (posix_spawn and exec cost
        // milliseconds, and the legacy daemon's read-only bind mount runs unshare, sh and mount
        // before it): they start while the console and the sockets QEMU connects to are set up.
        List<Share> shares = plan.sharesFor(dir, transferDir);
        List<List<String>> argvs = plan.virtiofsdArgvs(dir, transferDir);
        List<Path> sockets = new ArrayList<>();
        List<CompletableFuture<ManagedProcess>> starting = new ArrayList<>();
        for (int i = 0; i < shares.size(); i++) {
            Share s = shares.get(i);
            List<String> argv = argvs.get(i);
            starting.add(CompletableFuture.supplyAsync(() -> startProcess("virtiofsd-" + s.tag(), argv, BootPlan.fsLog(dir, s)), SPAWN));
            sockets.add(BootPlan.fsSocket(dir, s));
        }

        Path consoleLog = options.consoleLog() != null ? options.consoleLog() : dir.resolve(BootPlan.CONSOLE_LOG);
        console = new Console(consoleLog, options.liveConsole(), t::now);
        console.addListener(crashes);
        String init = plan.closure().bootspec().init();
        console.addListener(new Consumer<>() {
            @Override
            public void accept(ConsoleLine l) {
                t.mark("first console byte");
                if (l.text().contains(init) || STAGE2.matcher(l.text()).find()) {
                    t.mark("init reached");
                    console.removeListener(this);
                }
            }
        });
        ServerSocketChannel serial = listen(dir.resolve(BootPlan.SERIAL_SOCKET));
        ServerSocketChannel hvc = listen(dir.resolve(BootPlan.HVC_SOCKET));
        ServerSocketChannel qmpServer = listen(dir.resolve(BootPlan.QMP_SOCKET));
        ServerSocketChannel agentServer = plan.agent() ? listen(dir.resolve(BootPlan.AGENT_SOCKET)) : null;

        KbootException failed = null;
        for (CompletableFuture<ManagedProcess> f : starting) {
            try {
                f.join();
            } catch (java.util.concurrent.CompletionException e) {
                failed = e.getCause() instanceof KbootException k ? k : KbootException.internal("cannot start virtiofsd: " + e.getCause(), e.getCause());
            }
        }
        if (failed != null) {
            throw failed;
        }
        t.mark("virtiofsd started");
        Optional<String> notReady = UnixSockets.awaitListening(dir, sockets, Deadline.in(DAEMON_READY), () -> daemons.stream()
                .filter(d -> !d.isAlive()).findFirst().map(d -> d.name() + " " + d.describeExit()));
        if (notReady.isPresent()) {
            ManagedProcess bad = daemons.stream().filter(d -> !d.isAlive()).findFirst().orElse(daemons.get(0));
            throw new KbootException(ExitCode.UNAVAILABLE, "virtiofsd did not become ready: " + notReady.get(),
                    "command: " + String.join(" ", bad.argv()) + "\n" + bad.logTail(20), null);
        }
        t.mark("virtiofsd ready");
        for (ManagedProcess d : List.copyOf(daemons)) {
            d.process().onExit().thenRunAsync(() -> daemonExited(d), task -> {
                Thread th = new Thread(task, "daemon-exit-" + d.name());
                th.setDaemon(true);
                th.start();
            });
        }

        startProcess("qemu", plan.qemuArgv(dir), dir.resolve(BootPlan.QEMU_LOG));
        t.mark("QEMU started");
        CompletableFuture<SocketChannel> qmpConn = acceptAsync(qmpServer, "qmp");
        acceptAsync(serial, "ttyS0").thenAccept(ch -> console.attach("ttyS0", ch));
        acceptAsync(hvc, "hvc0").thenAccept(ch -> console.attach("hvc0", ch));
        if (agentServer != null) {
            agent = acceptAsync(agentServer, "agent");
        }
        long end = System.nanoTime() + QEMU_CONNECT.toNanos();
        while (true) {
            try {
                qmp = new Qmp(qmpConn.get(20, TimeUnit.MILLISECONDS));
                break;
            } catch (java.util.concurrent.TimeoutException e) {
                if (!qemu.isAlive() || System.nanoTime() > end) {
                    qemu.waitFor(Duration.ofSeconds(2));
                    if (hostFailure != null) {
                        throw new KbootException(ExitCode.UNAVAILABLE, hostFailure + " while QEMU started", qemu.logTail(20), null);
                    }
                    throw new KbootException(ExitCode.UNAVAILABLE, "QEMU failed to start: " + qemu.describeExit(),
                            "command: " + String.join(" ", qemu.argv()) + "\n" + qemu.logTail(20), null);
                }
            } catch (java.util.concurrent.ExecutionException e) {
                throw KbootException.internal("QMP accept failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /**
     * A virtiofsd ended while QEMU still runs: the guest's filesystem is gone (every access to it
     * would hang), so the guest is stopped and its ending says why (not the guest's fault). A
     * daemon ending after QEMU (the legacy virtiofsd exits when its connection closes) is normal.
     */
    private void daemonExited(ManagedProcess d) {
        ManagedProcess q = qemu;
        try {
            // QEMU closing its connections as it stops ends the legacy virtiofsd first: a daemon
            // whose QEMU is shutting down, or exits within a second, ended normally.
            if (closed || (q != null && (stopping() || q.waitFor(Duration.ofSeconds(1)) || closed || stopping()))) {
                return;
            }
        } catch (InterruptedException e) {
            return;
        }
        synchronized (daemons) {
            if (hostFailure != null) {
                return; // the others follow the first one's end as QEMU stops
            }
            hostFailure = d.name() + " " + d.describeExit() + " while the guest ran: the guest lost its '" + d.name().replaceFirst("^virtiofsd-", "")
                    + "' filesystem and was stopped";
        }
        if (options.notices() != null) {
            options.notices().accept("kboot: " + hostFailure);
        }
        Qmp m = qmp;
        if (m != null) {
            m.quit();
        }
        if (q != null) {
            q.process().destroy();
        }
    }

    /** @return why the guest was stopped on the host's side (a virtiofsd that exited), if it was */
    @Override
    public Optional<String> hostFailure() {
        return Optional.ofNullable(hostFailure);
    }

    /**
     * Starts a child and makes it this guest's: a {@link #close()} that ran first (the shutdown
     * hook racing the boot) means nothing more is started, one that runs while the child starts
     * makes it stop the child at once, and one that runs after finds the child and stops it. The
     * spawn itself (posix_spawn and exec, ~10 ms each, more on a busy host) runs outside the
     * guest's lock, so the virtiofsd of every share start at the same time; the child is recorded
     * in the run directory before it is returned ({@link ManagedProcess#start}), so the reaper
     * stops it whatever happens to kboot meanwhile.
     */
    private ManagedProcess startProcess(String name, List<String> argv, Path log) {
        synchronized (this) {
            if (closed) {
                throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
            }
        }
        ManagedProcess p;
        try {
            p = ManagedProcess.start(name, argv, log, run, GRACE);
        } catch (IOException e) {
            throw KbootException.unavailable("cannot start " + argv.get(0) + ": " + e.getMessage());
        }
        synchronized (this) {
            if (closed) {
                p.close();
                throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
            }
            if (name.equals("qemu")) {
                qemu = p;
            } else {
                daemons.add(p);
            }
        }
        return p;
    }

    /** The longest unix socket path (sun_path is 108 bytes with its NUL). */
    static final int MAX_SOCKET_PATH = 107;

    /** Fails clearly when a socket path in the run directory would be too long for QEMU and virtiofsd. */
    private void checkSocketPaths(Path dir) {
        List<Path> sockets = new ArrayList<>(List.of(dir.resolve(BootPlan.SERIAL_SOCKET), dir.resolve(BootPlan.HVC_SOCKET),
                dir.resolve(BootPlan.QMP_SOCKET), dir.resolve(BootPlan.AGENT_SOCKET)));
        plan.sharesFor(dir, transferDir).forEach(s -> sockets.add(BootPlan.fsSocket(dir, s)));
        for (Path p : sockets) {
            int n = p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (n > MAX_SOCKET_PATH) {
                throw KbootException.internal("the run directory " + dir + " is too deep for unix sockets (" + p.getFileName() + " would be " + n
                        + " bytes; at most " + MAX_SOCKET_PATH + "): set XDG_RUNTIME_DIR to a shorter directory", null);
            }
        }
    }

    private ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(socket));
        servers.add(s);
        return s;
    }

    private static CompletableFuture<SocketChannel> acceptAsync(ServerSocketChannel server, String name) {
        CompletableFuture<SocketChannel> f = new CompletableFuture<>();
        Thread th = new Thread(() -> {
            try {
                f.complete(server.accept());
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        }, "accept-" + name);
        th.setDaemon(true);
        th.start();
        return f;
    }

    /** @return the plan this guest was booted from */
    public BootPlan plan() {
        return plan;
    }

    /** @return the merged consoles */
    @Override
    public Console console() {
        return console;
    }

    /** @return crashes and warnings seen on the console */
    @Override
    public CrashWatch crashes() {
        return crashes;
    }

    /** @return the phase clock */
    @Override
    public Timings timings() {
        return options.timings();
    }

    /** @return the plan's facts: label, toplevel, kernel release and command line, QEMU, accelerator */
    @Override
    public GuestFacts facts() {
        return GuestFacts.of(plan);
    }

    /** @return the run directory */
    public Path runDirectory() {
        return run.path();
    }

    /** @return whether QEMU is still running */
    @Override
    public boolean isRunning() {
        return qemu != null && qemu.isAlive();
    }

    /** @return whether QMP reported a SHUTDOWN or QEMU has exited */
    @Override
    public boolean stopping() {
        return shutdownEvent().isPresent() || !isRunning();
    }

    /** @return the agent port's connection once QEMU made it (only when the plan has the agent) */
    @Override
    public CompletableFuture<SocketChannel> agentConnection() {
        return agent;
    }

    /**
     * @return the transfer share's host directory when the plan has it ({@link BootPlan#hasTransferShare()}):
     *         {@link VmOptions#transferDir()}, else one in the run directory
     */
    @Override
    public Optional<Path> sharedDirectory() {
        return plan.hasTransferShare() ? Optional.of(transferDir) : Optional.empty();
    }

    /** @return QMP's SHUTDOWN event, if the guest has stopped */
    public Optional<Qmp.Shutdown> shutdownEvent() {
        return qmp == null ? Optional.empty() : qmp.shutdown();
    }

    /**
     * Waits until the guest stops or the deadline passes, and says how it ended. On TIMEOUT the
     * guest is still running (close it).
     *
     * @param deadline when to give up
     * @return the ending, with the evidence (panic excerpt, console tail, QEMU log tail)
     */
    @Override
    public VmEnd awaitEnd(Deadline deadline) throws InterruptedException {
        while (true) {
            Optional<Qmp.Shutdown> sd = qmp.awaitShutdown(deadline.remainingMillis(50));
            if (sd.isPresent() || !qemu.isAlive()) {
                // Let QEMU exit and the consoles drain, so the evidence is complete.
                qemu.waitFor(Duration.ofSeconds(5));
                console.awaitEnd(2000);
                return judge(qmp.shutdown());
            }
            if (deadline.expired()) {
                return new VmEnd(VmEnd.Kind.TIMEOUT, "timed out after " + human(deadline.budget()),
                        Optional.of(consoleTail(50)));
            }
        }
    }

    /**
     * Says how the guest ended from the SHUTDOWN event and the console.
     *
     * @param sd the SHUTDOWN event, if any
     */
    public VmEnd judge(Optional<Qmp.Shutdown> sd) {
        options.timings().mark("guest powered off");
        if (hostFailure != null) {
            return new VmEnd(VmEnd.Kind.HOST_FAILURE, hostFailure, Optional.of("last console lines:\n" + consoleTail(30)));
        }
        var panic = crashes.panic();
        if (panic.isPresent()) {
            return new VmEnd(VmEnd.Kind.PANIC, "kernel panic: " + panic.get().line().text().trim(), Optional.of(panic.get().text()));
        }
        if (sd.isPresent() && sd.get().poweredOff()) {
            return new VmEnd(VmEnd.Kind.POWERED_OFF, "the guest powered off", Optional.empty());
        }
        if (sd.isPresent() && sd.get().guest()) {
            var fatal = crashes.firstFatal();
            return new VmEnd(VmEnd.Kind.RESET, "the guest stopped unexpectedly (" + sd.get().reason() + ")"
                    + fatal.map(f -> " after " + f.signature()).orElse(""),
                    Optional.of(fatal.map(CrashWatch.Incident::text).orElse(consoleTail(50))));
        }
        if (sd.isPresent()) {
            return new VmEnd(VmEnd.Kind.STOPPED, "the guest was stopped (" + sd.get().reason() + ")", Optional.empty());
        }
        return new VmEnd(VmEnd.Kind.QEMU_DIED, "QEMU " + qemu.describeExit() + " without the guest shutting down",
                Optional.of(qemu.logTail(20) + "\n--- last console lines ---\n" + consoleTail(30)));
    }

    /** @return the last {@code n} console lines, joined */
    @Override
    public String consoleTail(int n) {
        return console.tail(n).stream().map(ConsoleLine::text).collect(Collectors.joining("\n"));
    }

    /** Keeps the run directory's logs when the guest is closed (a failed run). */
    @Override
    public void keepLogs() {
        keepLogs = true;
    }

    /** @return whether the shutdown hook is closing this guest (Ctrl-C, SIGTERM) */
    @Override
    public boolean interrupted() {
        return interrupted;
    }

    /**
     * Stops everything: QEMU (QMP quit, then SIGTERM/SIGKILL), every virtiofsd in reverse order,
     * the sockets, the console log; then finishes the run directory (keeping logs after a failure).
     * Idempotent; never throws.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (qemu != null && qemu.isAlive() && qmp != null) {
                qmp.quit();
                qemu.waitFor(Duration.ofMillis(500));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (qemu != null) {
            qemu.close();
        }
        for (int i = daemons.size() - 1; i >= 0; i--) {
            daemons.get(i).close();
        }
        for (ServerSocketChannel s : servers) {
            try {
                s.close();
            } catch (IOException e) {
                // keep going
            }
        }
        try {
            if (qmp != null) {
                qmp.close();
            }
            if (console != null) {
                console.awaitEnd(500);
                console.close();
            }
        } catch (IOException e) {
            // keep going
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        run.finish(keepLogs || interrupted);
        OPEN.remove(this);
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
