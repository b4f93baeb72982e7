package dev.kboot.launcher.libvirt;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The identities kboot gives libvirt objects, so that repeating a definition hits the same
 * object: a name-based UUID (version 5, RFC 9562 section 5.5: SHA-1 over a namespace and the
 * name) per kind and name, and per network interface a MAC address derived from the domain's
 * UUID (libvirt would pick a random one on every define, and every apply would look changed:
 * NixVirt issue #9).
 */
public final class Identity {
    /** kboot's namespace for name-based UUIDs: the v5 UUID of "https://kboot.dev/libvirt" in the URL namespace. */
    public static final UUID NAMESPACE = v5(UUID.fromString("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), "https://kboot.dev/libvirt");

    private Identity() {
    }

    /**
     * @param kind "domain", "network" or "pool"
     * @param name the object's name
     * @return the UUID kboot defines the object with unless one is given
     */
    public static UUID uuid(String kind, String name) {
        return v5(NAMESPACE, kind + "/" + name);
    }

    /**
     * @param namespace the namespace UUID
     * @param name      the name, hashed as UTF-8
     * @return the version 5 UUID (RFC 9562 section 5.5)
     */
    public static UUID v5(UUID namespace, String name) {
        byte[] h = sha1(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits()).putLong(namespace.getLeastSignificantBits()).array(),
                name.getBytes(StandardCharsets.UTF_8));
        h[6] = (byte) ((h[6] & 0x0f) | 0x50);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        ByteBuffer b = ByteBuffer.wrap(h, 0, 16);
        return new UUID(b.getLong(), b.getLong());
    }

    /**
     * @param domain the domain's UUID
     * @param index  the interface's position among the domain's interfaces, from 0
     * @return a locally administered unicast MAC in QEMU's 52:54:00 range, e.g. "52:54:00:3a:91:0c"
     */
    public static String mac(UUID domain, int index) {
        byte[] h = sha1(domain.toString().getBytes(StandardCharsets.UTF_8), ("/nic" + index).getBytes(StandardCharsets.UTF_8));
        return String.format("52:54:00:%02x:%02x:%02x", h[0] & 0xff, h[1] & 0xff, h[2] & 0xff);
    }

    private static byte[] sha1(byte[] a, byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(a);
            md.update(b);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
