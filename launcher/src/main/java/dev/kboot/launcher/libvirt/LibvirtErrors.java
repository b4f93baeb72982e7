package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import org.libvirt.Error;
import org.libvirt.LibvirtException;

/**
 * Turns a libvirt error into kboot's one line: what kboot was doing, libvirt's own message, its
 * error code ({@code VIR_ERR_...}, from virterror.h) and a hint for the failures users meet
 * (the daemon not running, permission denied, an unknown or inactive network, a missing pool),
 * with the exit code the README documents:
 * <ul>
 *   <li>66: a named domain, network, pool or volume does not exist;
 *   <li>69: libvirt cannot be reached or used (no daemon, no permission on its socket, an
 *       unknown or inactive network, the hypervisor missing);
 *   <li>78: libvirt refused a definition or an operation (XML or a setting it does not support,
 *       an object in the way, an operation its state forbids).
 * </ul>
 */
public final class LibvirtErrors {
    private LibvirtErrors() {
    }

    /**
     * @param what what kboot was doing ("cannot define domain vm1")
     * @param e    libvirt's error
     * @param uri  the connection's URI, or null
     * @return the failure to throw
     */
    public static KbootException of(String what, LibvirtException e, String uri) {
        Error err = e.getError();
        Error.ErrorNumber code = err == null ? null : err.getCode();
        String message = err == null || err.getMessage() == null ? String.valueOf(e.getMessage()) : err.getMessage().strip();
        String name = code == null ? "VIR_ERR_UNKNOWN" : code.name();
        String line = what + ": " + message + " [" + name + "]";
        String hint = hint(code, message, uri);
        if (hint != null) {
            line += "; " + hint;
        }
        return new KbootException(exitCode(code, message), line, null, e);
    }

    /** @return the exit code for libvirt's error {@code code} */
    static ExitCode exitCode(Error.ErrorNumber code, String message) {
        if (code == null) {
            return ExitCode.UNAVAILABLE;
        }
        if (message != null && message.contains("Unable to parse URI")) {
            return ExitCode.USAGE; // a --connect value libvirt's own URI parser refuses
        }
        if (code == Error.ErrorNumber.VIR_ERR_OPERATION_INVALID && message != null && message.contains(" is not active")) {
            return ExitCode.UNAVAILABLE; // an inactive network or pool: the host is not ready, nothing was refused
        }
        return switch (code) {
            case VIR_ERR_NO_DOMAIN, VIR_ERR_NO_NETWORK, VIR_ERR_NO_STORAGE_POOL, VIR_ERR_NO_STORAGE_VOL, VIR_ERR_NO_DOMAIN_SNAPSHOT -> ExitCode.NO_INPUT;
            case VIR_ERR_XML_ERROR, VIR_ERR_XML_DETAIL, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_DOM_EXIST, VIR_ERR_NETWORK_EXIST,
                 VIR_ERR_OPERATION_INVALID, VIR_ERR_OPERATION_DENIED, VIR_ERR_INVALID_ARG, VIR_ERR_ARGUMENT_UNSUPPORTED,
                 VIR_ERR_INVALID_MAC, VIR_ERR_STORAGE_POOL_BUILT -> ExitCode.REFUSED;
            default -> ExitCode.UNAVAILABLE;
        };
    }

    /** @return the first 'quoted' word of libvirt's message, or {@code otherwise} */
    private static String quoted(String m, String otherwise) {
        java.util.regex.Matcher q = java.util.regex.Pattern.compile("'([^']+)'").matcher(m);
        return q.find() ? q.group(1) : otherwise;
    }

    /** @return advice for the failures users meet, or null */
    static String hint(Error.ErrorNumber code, String message, String uri) {
        String m = message == null ? "" : message;
        if (code == Error.ErrorNumber.VIR_ERR_NO_CONNECT || code == Error.ErrorNumber.VIR_ERR_SYSTEM_ERROR && m.contains("Failed to connect socket")) {
            if (m.contains("Permission denied")) {
                return "kboot may not use this libvirt: run as root or join the group that owns the socket (libvirt)";
            }
            if (m.contains("No such file") || m.contains("Connection refused")) {
                return "is libvirtd running? (systemctl start libvirtd; without systemd: virtlogd -d && libvirtd -d)";
            }
            return "is libvirtd running and is " + (uri == null ? "the URI" : uri) + " right?";
        }
        if (m.contains("Unable to parse URI")) {
            return "expected a libvirt URI such as qemu:///system, qemu:///session, test:///default or qemu+ssh://host/system";
        }
        if (code == Error.ErrorNumber.VIR_ERR_AUTH_FAILED || m.contains("authentication failed") || m.contains("Permission denied")) {
            return "permission denied: run as root, or join the libvirt group (or use qemu:///session)";
        }
        if (code == Error.ErrorNumber.VIR_ERR_NO_NETWORK) {
            return "define the network (virsh net-define, or kboot libvirt apply), or pick another with --network";
        }
        if (code == Error.ErrorNumber.VIR_ERR_OPERATION_INVALID && m.contains("network") && m.contains("not active")) {
            String name = quoted(m, "NAME");
            return "start it: virsh net-start " + name + " (and virsh net-autostart " + name + " to keep it started)";
        }
        if (code == Error.ErrorNumber.VIR_ERR_NO_STORAGE_POOL) {
            return "define and start the pool (virsh pool-define-as NAME dir --target DIR; virsh pool-build NAME; virsh pool-start NAME), or pick another with --pool";
        }
        if (code == Error.ErrorNumber.VIR_ERR_OPERATION_INVALID && m.contains("storage pool") && m.contains("not active")) {
            return "start it: virsh pool-start " + quoted(m, "NAME");
        }
        if (code == Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
            return "kboot libvirt list shows the domains";
        }
        if (code == Error.ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED && (m.contains("kvm") || m.contains("KVM"))) {
            return "KVM is not usable on this host: define with --type qemu (TCG, slower)";
        }
        if (code == Error.ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED && m.contains("virtiofs")) {
            return "this libvirt cannot share directories over virtiofs here (it needs memfd shared memory and a root daemon)";
        }
        return null;
    }
}
