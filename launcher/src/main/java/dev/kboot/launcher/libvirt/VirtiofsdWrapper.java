package dev.kboot.launcher.libvirt;

/**
 * The read-only virtiofsd wrapper libvirt runs for the store and modules of an imageless
 * domain: libvirt before 11.0 refuses {@code <readonly/>} on a virtiofs filesystem ("virtiofs
 * does not yet support read-only mode") and QEMU's legacy C virtiofsd has no read-only option,
 * so the wrapper bind-mounts the shared directory read-only in a private mount namespace and
 * execs the real daemon there (what {@code kboot run} does for the same daemon). libvirt runs it
 * as root with virtiofsd's arguments ({@code --fd=N -o source=DIR,...}).
 */
public final class VirtiofsdWrapper {
    private VirtiofsdWrapper() {
    }

    /** @return the script, written to the domain's state directory as {@code virtiofsd-ro} */
    public static String script() {
        return """
                #!/bin/sh
                # kboot: virtiofsd on a read-only bind mount of its shared directory (written by kboot libvirt define).
                # libvirt before 11.0 refuses <readonly/> on virtiofs and the legacy C virtiofsd has no read-only
                # option: bind the directory read-only in a private mount namespace, then exec the real daemon.
                src=
                for a in "$@"; do
                  case "$a" in *source=*) src=${a#*source=}; src=${src%%,*} ;; esac
                done
                if [ -z "$src" ]; then echo "kboot virtiofsd-ro: no source= among: $*" >&2; exit 2; fi
                real=
                for c in /usr/libexec/virtiofsd /usr/lib/qemu/virtiofsd /run/current-system/sw/bin/virtiofsd "$(command -v virtiofsd)"; do
                  if [ -n "$c" ] && [ -x "$c" ]; then real=$c; break; fi
                done
                if [ -z "$real" ]; then echo "kboot virtiofsd-ro: no virtiofsd found" >&2; exit 2; fi
                exec unshare --mount --propagation private -- /bin/sh -c \\
                  'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"' "$src" "$real" "$@"
                """;
    }
}
