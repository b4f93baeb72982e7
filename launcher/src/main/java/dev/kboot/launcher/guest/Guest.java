package dev.kboot.launcher.guest;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.console.ConsoleLine;
import dev.kboot.launcher.process.Deadline;
import dev.kboot.launcher.process.Poller;
import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.GuestFacts;
import dev.kboot.launcher.vm.GuestMachine;
import dev.kboot.launcher.vm.Vm;
import dev.kboot.launcher.vm.VmEnd;
import dev.kboot.launcher.vm.VmOptions;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * A booted guest with its agent: the API the harness and embedding users drive (after the NixOS
 * test driver's machine API: small verbs over one framed {@link #exec}).
 *
 * <pre>{@code
 * BootPlan plan = Planner.plan(BootRequest.of(result).withAgent(true), false);
 * try (Guest g = Guest.boot(plan, VmOptions.quiet(), Duration.ofMinutes(5))) {
 *     ExecResult r = g.exec("uname -r", Duration.ofSeconds(30));
 *     g.succeed("modprobe test_bpf");
 *     g.shutdown();
 * }
 * }</pre>
 *
 * <p>Three distinct stops: {@link #shutdown()} powers the guest off through the agent and waits;
 * a crash ends it by itself (see {@link #vm()}); {@link #close()} releases everything at once.
 */
public final class Guest implements AutoCloseable {
    /** Where the guest mounts kboot's transfer share. */
    public static final String XFER_MOUNT = "/run/kboot/xfer";
    /** The most output (stdout and stderr together, bytes) a command's result collects by default. */
    public static final long DEFAULT_OUTPUT_LIMIT = 64L << 20;
    /** How long the agent may leave a ping unanswered, by default, before it counts as gone. */
    public static final Duration DEFAULT_SILENCE_LIMIT = Duration.ofSeconds(120);
    private static final Duration GRACE = Duration.ofSeconds(10);
    /** A command silent this long gets a ping, so a dead or hung agent is noticed. */
    private static final Duration PING_AFTER = Duration.ofSeconds(5);
    private static final Duration SLICE = Duration.ofMillis(500);

    private final GuestMachine vm;
    private final AgentChannel agent;
    private final String hello;
    private boolean xferMounted;
    private volatile long outputLimit = DEFAULT_OUTPUT_LIMIT;
    private volatile Duration silenceLimit = DEFAULT_SILENCE_LIMIT;

    private Guest(GuestMachine vm, AgentChannel agent, String hello) {
        this.vm = vm;
        this.agent = agent;
        this.hello = hello;
    }

    /**
     * Boots {@code plan} (made with the agent port) and waits for the guest agent's hello.
     *
     * @param plan      what to boot; {@link BootPlan#agent()} must be true
     * @param options   where output goes
     * @param agentWait how long the boot may take until the agent answers
     * @return the guest, ready for commands
     * @throws GuestException exit 69 when the agent never answers (no agent in the closure) or
     *                        the guest stops first, 255 when it crashed; each with the console tail
     */
    public static Guest boot(BootPlan plan, VmOptions options, Duration agentWait) {
        if (!plan.agent()) {
            throw new IllegalArgumentException("the plan has no agent port: plan with BootRequest.withAgent(true)");
        }
        return attach(Vm.boot(plan, options), options, agentWait);
    }

    /**
     * Waits for the guest agent on a running machine (a {@link Vm} just booted, or a libvirt
     * domain) and returns the guest. When the machine says its agent may have greeted an earlier
     * connection ({@link GuestMachine#attached()}), a command ({@code uname -r}) stands
     * in for the hello. On failure the machine is closed (its logs kept).
     *
     * @param vm        the machine, running, with its agent connection coming
     * @param options   where output goes
     * @param agentWait how long until the agent must answer
     * @return the guest, ready for commands
     * @throws GuestException exit 69 when the agent never answers or the guest stops first, 255
     *                        when it crashed; each with the console tail
     */
    public static Guest attach(GuestMachine vm, VmOptions options, Duration agentWait) {
        try {
            Deadline deadline = Deadline.in(agentWait);
            SocketChannel ch;
            while (true) {
                // QEMU connects to the agent socket as it starts; one that dies first never does
                try {
                    ch = vm.agentConnection().get(50, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    if (!vm.isRunning()) {
                        throw stoppedBeforeHello(vm);
                    }
                    if (deadline.expired()) {
                        throw new GuestException(ExitCode.UNAVAILABLE, "QEMU did not connect the agent's port within " + agentWait.toSeconds() + " s",
                                "last console lines:\n" + vm.consoleTail(30));
                    }
                }
            }
            AgentChannel agent = new AgentChannel(ch, options.notices());
            CompletableFuture<String> greeting = agent.hello();
            if (vm.attached()) {
                CompletableFuture<String> probe = agent.start("uname -r", agentWait, false, false, 0, 0, null, DEFAULT_OUTPUT_LIMIT).future()
                        .thenApply(r -> "kboot-agent " + AgentChannel.PROTOCOL + " " + r.out().strip());
                greeting = greeting.applyToEither(probe, h -> h);
            }
            while (true) {
                try {
                    String hello = greeting.get(50, TimeUnit.MILLISECONDS);
                    options.timings().mark("agent ready");
                    return new Guest(vm, agent, hello);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof AgentException a && a.kind() != AgentException.Kind.CLOSED) {
                        throw new GuestException(ExitCode.UNAVAILABLE, a.getMessage(), "last console lines:\n" + vm.consoleTail(30));
                    }
                    if (e.getCause() instanceof KbootException k) {
                        throw k;
                    }
                    // the agent's port closed: the guest is stopping
                    throw stoppedBeforeHello(vm);
                } catch (TimeoutException e) {
                    if (vm.stopping()) {
                        throw stoppedBeforeHello(vm);
                    }
                    if (deadline.expired()) {
                        throw new GuestException(ExitCode.UNAVAILABLE, "the kboot agent did not answer within " + agentWait.toSeconds()
                                + " s: does the closure start kboot-agent on the org.kboot.agent port?", "last console lines:\n" + vm.consoleTail(30));
                    }
                }
            }
        } catch (KbootException e) {
            vm.keepLogs();
            vm.close();
            throw vm.interrupted() ? new KbootException(ExitCode.INTERRUPTED, "interrupted") : e;
        } catch (InterruptedException e) {
            vm.close();
            Thread.currentThread().interrupt();
            throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
        } catch (Exception e) {
            vm.keepLogs();
            vm.close();
            throw vm.interrupted() ? new KbootException(ExitCode.INTERRUPTED, "interrupted") : KbootException.internal("cannot reach the guest agent: " + e, e);
        }
    }

    private static GuestException stoppedBeforeHello(GuestMachine vm) throws InterruptedException {
        VmEnd end = vm.awaitEnd(Deadline.in(Duration.ofSeconds(5)));
        if (end.kind() == VmEnd.Kind.PANIC) {
            return new GuestException(ExitCode.GUEST_CRASH, "the guest crashed before its agent answered: " + end.message(), end.detail().orElse(null));
        }
        if (end.kind() == VmEnd.Kind.HOST_FAILURE) {
            return new GuestException(ExitCode.UNAVAILABLE, end.message(), end.detail().orElse(null));
        }
        if (end.kind() == VmEnd.Kind.QEMU_DIED || end.kind() == VmEnd.Kind.RESET) {
            return new GuestException(ExitCode.GUEST_CRASH, "the guest died before its agent answered: " + end.message(), end.detail().orElse(null));
        }
        return new GuestException(ExitCode.UNAVAILABLE, "the guest stopped before the kboot agent answered (" + end.message()
                + "): does the closure start kboot-agent on the org.kboot.agent port? (the sample does; on NixOS import nix/modules/kboot-agent.nix)",
                "last console lines:\n" + vm.consoleTail(30));
    }

    /**
     * Sets the most output (stdout and stderr together) a command's result collects when no
     * listener streams it; a command writing more is killed and its result is an
     * {@link OutputLimitException}. Default {@link #DEFAULT_OUTPUT_LIMIT}.
     *
     * @param bytes the limit in bytes, at least 1
     * @return this guest
     */
    public Guest outputLimit(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("output limit " + bytes);
        }
        outputLimit = bytes;
        return this;
    }

    /**
     * Sets how long the agent may leave a ping unanswered (pings go out while a command is
     * silent) before the command fails with "the kboot agent stopped answering". Time kboot
     * itself was held up (a blocked output listener, a stalled host) does not count. Default
     * {@link #DEFAULT_SILENCE_LIMIT}.
     *
     * @return this guest
     */
    public Guest silenceLimit(Duration limit) {
        silenceLimit = limit;
        return this;
    }

    /** @return the agent channel (for protocol tests) */
    AgentChannel agent() {
        return agent;
    }

    /** @return the agent's hello line, e.g. "kboot-agent 2 6.1.0-56-amd64" */
    public String hello() {
        return hello;
    }

    /** @return the running machine (consoles, crashes, timings, how it ended) */
    public GuestMachine vm() {
        return vm;
    }

    /**
     * @return what is known about the guest: the machine's facts, with the kernel release from
     *         the agent's hello and the command line from {@code /proc/cmdline} where the machine
     *         could not tell
     */
    public GuestFacts facts() {
        GuestFacts f = vm.facts();
        if (f.kernelRelease() != null && f.kernelCmdline() != null) {
            return f;
        }
        String release = f.kernelRelease();
        if (release == null) {
            String[] words = hello.split(" ");
            release = words.length >= 3 ? words[2] : null;
        }
        String cmdline = f.kernelCmdline();
        if (cmdline == null) {
            ExecResult r = exec("cat /proc/cmdline", Duration.ofSeconds(30));
            cmdline = r.succeeded() ? r.out().strip() : null;
        }
        return f.withKernel(release, cmdline);
    }

    /**
     * Runs {@code command} with /bin/sh -c and collects its output.
     *
     * @param command a shell command line
     * @param timeout after this the guest kills the command's process group: the result says TIMED_OUT
     * @return what it did
     * @throws GuestException when the guest went away or the agent stopped answering
     */
    public ExecResult exec(String command, Duration timeout) {
        return exec(command, timeout, null);
    }

    /**
     * Runs {@code command}, streaming its output to {@code listener} as it arrives.
     *
     * @param listener receives stdout and stderr separately, in order; null to collect them
     * @see #exec(String, Duration)
     */
    public ExecResult exec(String command, Duration timeout, OutputListener listener) {
        return await(start(command, timeout, false, listener));
    }

    /**
     * Starts a command and returns at once (for stdin, signals, or several at a time).
     *
     * @param stdin whether stdin is fed through {@link Execution#write} (else /dev/null)
     */
    public Execution start(String command, Duration timeout, boolean stdin, OutputListener listener) {
        return start(command, timeout, stdin, false, 0, 0, listener);
    }

    private Execution start(String command, Duration timeout, boolean stdin, boolean pty, int rows, int cols, OutputListener listener) {
        try {
            return agent.start(command, timeout, stdin, pty, rows, cols, listener, outputLimit);
        } catch (IllegalArgumentException e) {
            throw KbootException.usage(e.getMessage());
        } catch (IOException e) {
            throw gone("cannot start `" + abbreviate(command) + "`", e);
        }
    }

    /**
     * Starts a command on a pseudo-terminal (an interactive shell).
     *
     * @param rows terminal rows
     * @param cols terminal columns
     */
    public Execution startTerminal(String command, int rows, int cols, OutputListener listener) {
        return start(command, null, true, true, rows, cols, listener);
    }

    /**
     * Waits for a started command, for as long as it runs, but never for a guest that cannot
     * answer: a command silent for a while makes kboot ping the agent, and one that leaves the
     * ping unanswered for the {@linkplain #silenceLimit silence limit} has stopped answering. A
     * command with a timeout gets that long plus a grace; one whose agent did not end it by then
     * is killed, and after another grace reported as an agent failure.
     *
     * @return the result
     * @throws GuestException 255 when the guest went away (crashed: with the panic excerpt) or its
     *                        agent restarted under the command; 69 when the agent stopped
     *                        answering or broke the protocol
     * @throws OutputLimitException when the collected output was over the limit
     * @throws KbootException 125 when kboot's own side failed (an output listener threw, out of memory)
     */
    public ExecResult await(Execution e) {
        Duration due = e.timeout().map(t -> t.plus(GRACE)).orElse(null);
        long start = System.nanoTime();
        long lastCheck = start;
        boolean killed = false;
        try {
            while (true) {
                Optional<ExecResult> r = e.await(SLICE);
                if (r.isPresent()) {
                    ExecResult x = r.get();
                    if (killed && x.ending() == ExecResult.Ending.SIGNALED && x.status() == 9) {
                        // kboot killed it for running past its timeout (the agent's own timer was
                        // late: a guest starved of CPU on a busy host): a timeout all the same
                        return new ExecResult(x.command(), ExecResult.Ending.TIMED_OUT, 9, x.stdout(), x.stderr(), x.duration());
                    }
                    return x;
                }
                long now = System.nanoTime();
                if (now - lastCheck > SLICE.multipliedBy(20).toNanos()) {
                    // kboot itself was held up (a stalled host, a long GC): what the agent did
                    // meanwhile cannot be judged, so its clock starts again.
                    agent.resetPing();
                    start += now - lastCheck;
                }
                lastCheck = now;
                if (agent.silentFor().compareTo(PING_AFTER) > 0) {
                    agent.ping();
                }
                if (agent.unansweredFor().compareTo(silenceLimit) > 0) {
                    throw new GuestException(ExitCode.UNAVAILABLE, "the kboot agent stopped answering: a ping went unanswered for "
                            + silenceLimit.toSeconds() + " s while `" + abbreviate(e.command()) + "` ran (a hung guest or agent)",
                            "last console lines:\n" + vm.consoleTail(30));
                }
                if (due != null && Duration.ofNanos(now - start).compareTo(due) > 0) {
                    if (killed) {
                        throw new GuestException(ExitCode.UNAVAILABLE, "the kboot agent stopped answering (`" + abbreviate(e.command())
                                + "` was due after " + e.timeout().map(Duration::toSeconds).orElse(0L) + " s and did not end when killed)",
                                "last console lines:\n" + vm.consoleTail(30));
                    }
                    e.kill(9);
                    killed = true;
                    due = due.plus(GRACE);
                }
            }
        } catch (IOException ex) {
            throw gone("`" + abbreviate(e.command()) + "`", ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new KbootException(ExitCode.INTERRUPTED, "interrupted");
        }
    }

    private GuestException gone(String what, IOException cause) {
        if (vm.interrupted()) {
            return new GuestException(ExitCode.INTERRUPTED, "interrupted during " + what, null);
        }
        if (cause instanceof AgentException a && a.kind() == AgentException.Kind.PROTOCOL) {
            return new GuestException(ExitCode.UNAVAILABLE, a.getMessage() + " (during " + what + ")", "last console lines:\n" + vm.consoleTail(30));
        }
        if (cause instanceof AgentException a && a.kind() == AgentException.Kind.RESTARTED) {
            return new GuestException(ExitCode.GUEST_CRASH, a.getMessage() + " (during " + what + ")", "last console lines:\n" + vm.consoleTail(30));
        }
        VmEnd end = null;
        try {
            end = vm.awaitEnd(Deadline.in(Duration.ofSeconds(5)));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        if (vm.hostFailure().isPresent()) {
            return new GuestException(ExitCode.UNAVAILABLE, vm.hostFailure().get() + " (during " + what + ")", "last console lines:\n" + vm.consoleTail(30));
        }
        var panic = vm.crashes().panic();
        if (panic.isPresent()) {
            return new GuestException(ExitCode.GUEST_CRASH, "the guest crashed during " + what + ": " + panic.get().line().text().trim(), panic.get().text());
        }
        String how = end != null && end.kind() == VmEnd.Kind.POWERED_OFF ? "the guest powered off" : "the guest went away";
        return new GuestException(ExitCode.GUEST_CRASH, how + " during " + what + " (" + cause.getMessage() + ")",
                "last console lines:\n" + vm.consoleTail(30));
    }

    /** @return a command line cut to 200 characters for messages */
    static String abbreviate(String command) {
        return command.length() <= 200 ? command : command.substring(0, 200) + "… (" + command.length() + " characters)";
    }

    /**
     * Runs {@code command} and asserts it exits 0.
     *
     * @return the result
     * @throws CommandFailedException (a test outcome) when it does not
     */
    public ExecResult succeed(String command, Duration timeout) {
        ExecResult r = exec(command, timeout);
        if (!r.succeeded()) {
            throw new CommandFailedException("`" + command + "` " + r.describe() + (r.stderr().length > 0 ? ": " + r.err().strip() : ""), r);
        }
        return r;
    }

    /**
     * Runs {@code command} every second until it exits 0 (each try limited to the time left, at
     * least 1 s).
     *
     * @return the successful result
     * @throws CommandFailedException with the last try's result when {@code timeout} passes first
     */
    public ExecResult waitUntilSucceeds(String command, Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.in(timeout);
        ExecResult[] last = new ExecResult[1];
        Poller.Outcome<ExecResult> o = Poller.every(Duration.ofSeconds(1)).poll(deadline, () -> {
            // each try gets the time left, but at least a second, so the last try means something
            Duration left = deadline.remaining();
            ExecResult r = exec(command, left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left);
            last[0] = r;
            return r.succeeded() ? Optional.of(r) : Optional.empty();
        }, Optional::empty);
        if (o instanceof Poller.Outcome.Ready<ExecResult> ready) {
            return ready.value();
        }
        throw new CommandFailedException("`" + command + "` did not succeed within " + timeout.toSeconds() + " s; last try "
                + (last[0] == null ? "never ran" : last[0].describe()), last[0]);
    }

    /**
     * Waits for a console line matching {@code regex} (searched anywhere in the line).
     *
     * @return the line
     * @throws CommandFailedException when none came within {@code timeout}
     */
    public ConsoleLine waitForConsole(Pattern regex, Duration timeout) throws InterruptedException {
        return vm.console().waitFor(regex, timeout.toMillis())
                .orElseThrow(() -> new CommandFailedException("no console line matched /" + regex + "/ within " + timeout.toSeconds() + " s", null));
    }

    /**
     * Copies a host file into the guest through kboot's writable transfer share.
     *
     * @param host      the host file
     * @param guestPath where it goes in the guest (parent directories are created)
     */
    public void copyTo(Path host, String guestPath) throws IOException {
        mountXfer();
        String name = UUID.randomUUID().toString();
        Path staged = xferDir().resolve(name);
        Files.copy(host, staged, StandardCopyOption.REPLACE_EXISTING);
        try {
            succeed("mkdir -p \"$(dirname " + Sh.quote(guestPath) + ")\" && cp " + XFER_MOUNT + "/" + name + " " + Sh.quote(guestPath), Duration.ofMinutes(10));
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    /**
     * Copies a guest file to the host through kboot's writable transfer share.
     *
     * @param guestPath the file in the guest
     * @param host      where it goes on the host (replaced)
     */
    public void copyFrom(String guestPath, Path host) throws IOException {
        mountXfer();
        String name = UUID.randomUUID().toString();
        succeed("cp " + Sh.quote(guestPath) + " " + XFER_MOUNT + "/" + name, Duration.ofMinutes(10));
        Path staged = xferDir().resolve(name);
        try {
            Files.move(staged, host, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    private Path xferDir() {
        return vm.sharedDirectory().orElseThrow(() -> new GuestException(ExitCode.UNAVAILABLE,
                "this guest has no writable share on this host (virtiofs tag " + BootPlan.XFER_TAG + ")", null));
    }

    /**
     * Mounts kboot's writable transfer share in the guest (once) and returns its host side:
     * what the guest writes under {@link #XFER_MOUNT} is on the host at once, and stays there
     * when the guest crashes. It is removed with the run directory, unless the boot's
     * {@link VmOptions#transferDir()} put it elsewhere.
     *
     * @return the host directory the guest sees at {@link #XFER_MOUNT}
     */
    public Path sharedDirectory() {
        mountXfer();
        return xferDir();
    }

    private void mountXfer() {
        if (!xferMounted) {
            succeed("mkdir -p " + XFER_MOUNT + " && { grep -q ' " + XFER_MOUNT + " ' /proc/mounts || mount -t virtiofs " + BootPlan.XFER_TAG + " " + XFER_MOUNT + "; }",
                    Duration.ofMinutes(1));
            xferMounted = true;
        }
    }

    /**
     * Powers the guest off through its agent (sync, then power off) and waits for QEMU to end;
     * a guest kboot only attached to ({@link GuestMachine#attached()}) is released instead.
     *
     * @return how the guest ended (POWERED_OFF normally)
     */
    public VmEnd shutdown() throws InterruptedException {
        if (vm.attached()) {
            close();
            return new VmEnd(VmEnd.Kind.STOPPED, "kboot released the guest, which was running before and keeps running", Optional.empty());
        }
        try {
            agent.powerOff();
        } catch (IOException e) {
            // the agent is gone; the guest may be too
        }
        VmEnd end = vm.awaitEnd(Deadline.in(Duration.ofSeconds(60)));
        vm.close();
        return end;
    }

    /** Releases the guest at once: QEMU and its daemons are stopped (the guest is not asked). */
    @Override
    public void close() {
        try {
            agent.close();
        } catch (IOException e) {
            // keep going
        }
        vm.close();
    }
}
