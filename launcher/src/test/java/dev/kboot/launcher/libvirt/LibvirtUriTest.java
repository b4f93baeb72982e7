package dev.kboot.launcher.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import org.junit.jupiter.api.Test;

/**
 * {@code --connect} takes any URI libvirt takes, and kboot reads it as libvirt splits it
 * (libvirt's docs, "Connection URIs": driver[+transport]://[user@][host][:port]/[path][?extraparameters]).
 */
class LibvirtUriTest {
    @Test
    void remoteHostsAreRemoteWhateverJavaNetUriMakesOfThem() {
        // java.net.URI gives no host for a name with an underscore: that read it as local
        assertEquals(null, java.net.URI.create("qemu+ssh://build_host/system").getHost());
        assertFalse(LibvirtConnection.isLocal("qemu+ssh://build_host/system"));
        assertFalse(LibvirtConnection.isLocal("qemu+ssh://root@host.example.org:2222/system?keyfile=/root/.ssh/id_ed25519"));
        assertFalse(LibvirtConnection.isLocal("qemu+tls://[2001:db8::1]/system"));
        assertEquals("fe80::1", LibvirtConnection.host("qemu+ssh://[fe80::1%25eth0]:22/system"));
        assertFalse(LibvirtConnection.isLocal("qemu+tcp://10.0.0.2/session"));
        assertTrue(LibvirtConnection.isLocal("qemu:///system"));
        assertTrue(LibvirtConnection.isLocal("qemu+unix:///system?socket=/run/libvirt/libvirt-sock"));
        assertTrue(LibvirtConnection.isLocal("qemu+ssh://root@localhost/system"));
        assertTrue(LibvirtConnection.isLocal("qemu+tcp://127.0.0.1/system"));
        assertTrue(LibvirtConnection.isLocal("test:///default"));
    }

    @Test
    void sessionAndTestDriversAreRecognisedWithTransportsAndParameters() {
        assertEquals("/session", LibvirtConnection.path("qemu+unix:///session?socket=/run/user/1000/libvirt/libvirt-sock"));
        assertEquals("/system", LibvirtConnection.path("qemu+ssh://user@host/system#x"));
        assertEquals("qemu", LibvirtConnection.scheme("QEMU+SSH://host/system"));
        assertEquals("test", LibvirtConnection.scheme("test:///tmp/node.xml"));
        assertEquals("", LibvirtConnection.scheme("hail"), "an alias of libvirt.conf's uri_aliases has no scheme");
    }

    @Test
    void theOpenConnectionIsJudgedByTheUriLibvirtReports() {
        try (LibvirtConnection c = LibvirtConnection.open("test:///default")) {
            assertEquals("test:///default", c.canonicalUri());
            assertTrue(c.isTest() && c.isLocal() && !c.isSession());
        }
    }

    @Test
    void aUriLibvirtCannotParseIsAUsageErrorNamingIt() {
        KbootException e = assertThrows(KbootException.class, () -> LibvirtConnection.open("definitely not a uri"));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("cannot connect to definitely not a uri: internal error: Unable to parse URI definitely not a uri [VIR_ERR_INTERNAL_ERROR]; expected a libvirt URI"),
                e.getMessage());
        assertEquals(ExitCode.USAGE, assertThrows(KbootException.class, () -> LibvirtConnection.open(" ")).exitCode());
    }
}
