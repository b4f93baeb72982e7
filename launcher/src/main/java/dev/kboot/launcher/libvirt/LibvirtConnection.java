package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
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

    private final String canonical;

    private LibvirtConnection(Connect connect, String uri, String canonical) {
        this.connect = connect;
        this.uri = uri;
        this.canonical = canonical;
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
     * Opens {@code uri} read-write. Any URI libvirt takes is taken: kboot does not parse it first
     * (libvirt's parser is more lenient than java.net.URI: host names with underscores, IPv6 zone
     * ids, and the aliases of libvirt.conf's {@code uri_aliases}, which have no scheme). What kboot
     * decides from the URI (local or remote, session, test driver) it reads from the URI libvirt
     * reports for the open connection ({@code virConnectGetURI}: aliases resolved).
     *
     * @param uri a libvirt URI (or alias), or null for {@value #DEFAULT_URI}
     * @return the connection; close it
     * @throws KbootException 64 for an empty URI, 69 when the daemon cannot be reached or refuses
     *                        the connection or libvirt cannot parse the URI (with a hint), others
     *                        per {@link LibvirtErrors}
     */
    public static LibvirtConnection open(String uri) {
        String u = uri == null ? DEFAULT_URI : uri;
        if (u.isBlank()) {
            throw KbootException.usage("--connect '': expected a libvirt URI such as qemu:///system, test:///default or qemu+ssh://host/system");
        }
        init();
        Connect connect;
        try {
            connect = new Connect(u, false);
        } catch (LibvirtException e) {
            throw LibvirtErrors.of("cannot connect to " + u, e, u);
        }
        String canonical;
        try {
            canonical = connect.getURI();
        } catch (LibvirtException e) {
            canonical = null;
        }
        return new LibvirtConnection(connect, u, canonical == null || canonical.isBlank() ? u : canonical);
    }

    /** @return libvirt-java's handle (for this package) */
    Connect raw() {
        return connect;
    }

    /** @return the URI as given */
    public String uri() {
        return uri;
    }

    /** @return the URI libvirt reports for this connection (an alias resolved), else the URI as given */
    public String canonicalUri() {
        return canonical;
    }

    /** @return whether this is libvirt's in-process test driver (nothing runs, no file is touched) */
    public boolean isTest() {
        return scheme(canonical).equals("test");
    }

    /**
     * @return whether the driver runs on this host, so that the paths in its domains (agent
     *         socket, console log, shares) are this host's: a URI without a host name, or with
     *         {@code localhost}, {@code 127.0.0.1} or {@code ::1}
     */
    public boolean isLocal() {
        return isLocal(canonical);
    }

    /**
     * @return whether this is a per-user (session) driver: paths go below the user's home, and
     *         libvirt refuses virtiofs ("virtiofs is not yet supported in session mode", libvirt
     *         9.0). Not for root on this host: libvirt serves root's {@code qemu:///session} from
     *         the system daemon (the same domains as {@code qemu:///system}, seen with Debian's
     *         libvirt 9.0), so it is the system driver to kboot too
     */
    public boolean isSession() {
        return path(canonical).equals("/session") && !(isLocal() && ROOT);
    }

    /** Whether kboot runs as root (the owner of /proc/self). */
    private static final boolean ROOT = runsAsRoot();

    private static boolean runsAsRoot() {
        try {
            return ((Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether a libvirt URI names this host, read as libvirt's virURIParse splits a URI
     * (scheme{@code ://}[user{@code @}]host[{@code :}port]{@code /}path[{@code ?}query]), not with
     * java.net.URI, which gives no host for a name with an underscore.
     *
     * @param uri a libvirt URI
     * @return true when its host part is empty or names the loopback
     */
    static boolean isLocal(String uri) {
        String host = host(uri).toLowerCase(Locale.ROOT);
        return host.isEmpty() || host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1");
    }

    /** @return the scheme's driver part, lower case ({@code qemu} of {@code qemu+ssh}), or "" */
    static String scheme(String uri) {
        int colon = uri.indexOf(':');
        if (colon <= 0) {
            return "";
        }
        String s = uri.substring(0, colon).toLowerCase(Locale.ROOT);
        int plus = s.indexOf('+');
        return plus < 0 ? s : s.substring(0, plus);
    }

    /** @return the host of {@code scheme://[user@]host[:port]/...}, without brackets or zone, or "" */
    static String host(String uri) {
        int start = uri.indexOf("://");
        if (start < 0) {
            return "";
        }
        String rest = uri.substring(start + 3);
        int end = 0;
        while (end < rest.length() && "/?#".indexOf(rest.charAt(end)) < 0) {
            end++;
        }
        String authority = rest.substring(0, end);
        authority = authority.substring(authority.lastIndexOf('@') + 1);
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            String h = close < 0 ? authority.substring(1) : authority.substring(1, close);
            int zone = h.indexOf('%');
            return zone < 0 ? h : h.substring(0, zone);
        }
        int port = authority.lastIndexOf(':');
        return port < 0 ? authority : authority.substring(0, port);
    }

    /** @return the path of {@code scheme://authority/path?query}, or "" */
    static String path(String uri) {
        int start = uri.indexOf("://");
        if (start < 0) {
            return "";
        }
        String rest = uri.substring(start + 3);
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return "";
        }
        String p = rest.substring(slash);
        int q = p.indexOf('?');
        p = q < 0 ? p : p.substring(0, q);
        int h = p.indexOf('#');
        return h < 0 ? p : p.substring(0, h);
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
