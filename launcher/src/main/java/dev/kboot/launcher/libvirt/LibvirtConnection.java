package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.net.URI;
import java.util.Locale;
import org.libvirt.Connect;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.libvirt.jna.Libvirt;

/**
 * One connection to a libvirt driver (libvirt-java over JNA and Debian's libvirt0): the only
 * place kboot opens one, and where every libvirt failure becomes a {@link KbootException} with
 * libvirt's error code and a hint ({@link LibvirtErrors}).
 *
 * <p>Process-wide, once: an error callback is installed so that libvirt prints nothing itself
 * (its default handler writes every error to stderr), and the default event loop is registered
 * before the first connection and pumped by one daemon thread (lifecycle events, and the remote
 * driver's keepalive, need it).
 *
 * <p>URIs are libvirt's: {@code qemu:///system}, {@code qemu:///session},
 * {@code test:///default} (an in-process driver whose state lives as long as the process),
 * {@code test:///abs/path/node.xml} (a fresh fixture per connection) and remote ones such as
 * {@code qemu+ssh://host/system}.
 */
public final class LibvirtConnection implements AutoCloseable {
    /** The default URI: the system QEMU driver. */
    public static final String DEFAULT_URI = "qemu:///system";

    /** Kept strongly reachable: JNA would otherwise let the callback be collected while libvirt holds it. */
    private static final Libvirt.VirErrorCallback SILENT = (userData, error) -> { };
    private static boolean initialised;

    private final Connect connect;
    private final String uri;
    private boolean closed;

    private LibvirtConnection(Connect connect, String uri) {
        this.connect = connect;
        this.uri = uri;
    }

    private static synchronized void init() {
        if (initialised) {
            return;
        }
        try {
            Connect.setErrorCallback(SILENT);
            Library.initEventLoop();
        } catch (LibvirtException e) {
            throw LibvirtErrors.of("cannot initialise libvirt", e, null);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw KbootException.unavailable("libvirt's C library (libvirt.so.0) cannot be loaded: " + e.getMessage()
                    + " (install Debian's libvirt0, or your distribution's libvirt)");
        }
        Thread loop = new Thread(() -> {
            try {
                Library.runEventLoop();
            } catch (LibvirtException | InterruptedException e) {
                // the process is ending
            }
        }, "libvirt-events");
        loop.setDaemon(true);
        loop.start();
        initialised = true;
    }

    /**
     * Opens {@code uri} read-write.
     *
     * @param uri a libvirt URI, or null for {@value #DEFAULT_URI}
     * @return the connection; close it
     * @throws KbootException 64 for a URI that does not parse, 69 when the daemon cannot be
     *                        reached or refuses the connection (with a hint), others per
     *                        {@link LibvirtErrors}
     */
    public static LibvirtConnection open(String uri) {
        String u = uri == null ? DEFAULT_URI : uri;
        try {
            URI parsed = new URI(u);
            if (parsed.getScheme() == null) {
                throw KbootException.usage("--connect " + u + ": expected a libvirt URI such as qemu:///system, test:///default or qemu+ssh://host/system");
            }
        } catch (java.net.URISyntaxException e) {
            throw KbootException.usage("--connect " + u + ": not a URI (" + e.getReason() + ")");
        }
        init();
        try {
            return new LibvirtConnection(new Connect(u, false), u);
        } catch (LibvirtException e) {
            throw LibvirtErrors.of("cannot connect to " + u, e, u);
        }
    }

    /** @return libvirt-java's handle (for this package) */
    Connect raw() {
        return connect;
    }

    /** @return the URI as given */
    public String uri() {
        return uri;
    }

    /** @return whether this is libvirt's in-process test driver (nothing runs, no file is touched) */
    public boolean isTest() {
        return uri.toLowerCase(Locale.ROOT).startsWith("test:");
    }

    /**
     * @return whether the driver runs on this host, so that the paths in its domains (agent
     *         socket, console log, shares) are this host's: a URI without a host name, or with
     *         {@code localhost}
     */
    public boolean isLocal() {
        try {
            String host = new URI(uri).getHost();
            return host == null || host.isEmpty() || host.equals("localhost");
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** @return whether this is a per-user (session) driver: paths go below the user's home */
    public boolean isSession() {
        try {
            String path = new URI(uri).getPath();
            return path != null && path.equals("/session");
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /**
     * @return libvirt's version on the driver's side ({@code major * 1000000 + minor * 1000 +
     *         release}), e.g. 9000000 for 9.0.0
     */
    public long libVersion() {
        return call("cannot read libvirt's version", connect::getLibVersion);
    }

    /** @return the hypervisor's version, e.g. "QEMU 7.2.0", or the driver's name alone */
    public String hypervisor() {
        String type = call("cannot read the hypervisor type", connect::getType);
        long v = call("cannot read the hypervisor version", connect::getVersion);
        return v == 0 ? type : type + " " + version(v);
    }

    /** @return a libvirt version number as "major.minor.release" */
    public static String version(long v) {
        return (v / 1000000) + "." + (v / 1000 % 1000) + "." + (v % 1000);
    }

    /** A libvirt call. */
    @FunctionalInterface
    public interface Call<T> {
        /** @return the call's result */
        T run() throws LibvirtException;
    }

    /** A libvirt call without a result. */
    @FunctionalInterface
    public interface Action {
        /** Runs the call. */
        void run() throws LibvirtException;
    }

    /**
     * Runs a libvirt call, turning its failure into one line with libvirt's error code.
     *
     * @param what what kboot was doing, for the message ("cannot start domain vm1")
     * @return the call's result
     * @throws KbootException see {@link LibvirtErrors#of}
     */
    public <T> T call(String what, Call<T> c) {
        try {
            return c.run();
        } catch (LibvirtException e) {
            throw LibvirtErrors.of(what, e, uri);
        }
    }

    /** @see #call(String, Call) */
    public void run(String what, Action a) {
        call(what, () -> {
            a.run();
            return null;
        });
    }

    /** Closes the connection. Idempotent; never throws. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connect.close();
        } catch (LibvirtException e) {
            // closing: nothing to report
        }
    }

    /** @return a failure with kboot's code for "libvirt refused" */
    static KbootException refused(String message) {
        return new KbootException(ExitCode.REFUSED, message);
    }
}
