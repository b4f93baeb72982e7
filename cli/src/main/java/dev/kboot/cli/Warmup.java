package dev.kboot.cli;

/**
 * Start-up work done on the second core while picocli builds the command line on the first:
 * loading and initialising the classes a boot needs next (JSON, the planner, sockets, processes).
 * Every boot pays kboot's start-up, so this is measured by bench/boot-bench.sh, not guessed.
 * Nothing here has side effects beyond class initialisation (a socket and a watch service are
 * opened and closed, never bound or registered).
 */
final class Warmup implements Runnable {
    private static final String[] CLASSES = {
        "dev.kboot.launcher.bootspec.BootspecReader",
        "dev.kboot.launcher.vm.Planner",
        "dev.kboot.launcher.vm.BootPlan",
        "dev.kboot.launcher.vm.Vm",
        "dev.kboot.launcher.console.Console",
        "dev.kboot.launcher.console.CrashWatch",
        "dev.kboot.launcher.console.CrashSignature",
        "dev.kboot.launcher.qemu.Qmp",
        "dev.kboot.launcher.qemu.QemuCommandLine",
        "dev.kboot.launcher.process.ManagedProcess",
        "dev.kboot.launcher.process.RunDirectory",
        "dev.kboot.launcher.process.UnixSockets",
        "java.net.UnixDomainSocketAddress",
        "java.nio.channels.ServerSocketChannel",
        "java.lang.ProcessBuilder",
        "java.util.concurrent.CompletableFuture",
    };

    private Warmup() {
    }

    /** Starts the warm-up on a daemon thread. */
    static void start() {
        if (System.getenv("KBOOT_NO_WARMUP") != null) {
            return;
        }
        // a class, not a lambda: see Interrupts#install
        Thread t = new Thread(new Warmup(), "kboot-warmup");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void run() {
        ClassLoader cl = Warmup.class.getClassLoader();
        try {
            com.fasterxml.jackson.jr.ob.JSON.std.anyFrom("{\"a\":[1,\"b\",true,null,{}]}");
            for (String c : CLASSES) {
                Class.forName(c, true, cl);
            }
            // What the JDK initialises on first use, several ms each on a cold JVM: the socket
            // machinery (selector provider, Net, InetAddress, and the SecureRandom the JDK's unix
            // sockets seed themselves with: an unbound unix socket, opened and closed) and the
            // inotify watch service the virtiofsd readiness wait uses.
            java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX).close();
            java.nio.file.FileSystems.getDefault().newWatchService().close();
        } catch (Exception | LinkageError e) {
            // warm-up only: the real use reports any problem
        }
    }
}
