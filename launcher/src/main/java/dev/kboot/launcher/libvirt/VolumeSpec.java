package dev.kboot.launcher.libvirt;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A storage volume kboot creates: a domain's writable overlay (qcow2 whose backing file is the
 * read-only image) or a volume declared in an {@code apply} file. Rendered to libvirt's volume
 * XML (https://libvirt.org/formatstorage.html) by {@link #xml()}.
 *
 * @param pool          the pool it lives in
 * @param name          its name in the pool
 * @param capacityBytes its virtual size in bytes
 * @param format        "qcow2" or "raw"
 * @param backing       the backing file (read-only), if any
 * @param backingFormat the backing file's format, when there is one
 */
public record VolumeSpec(String pool, String name, long capacityBytes, String format, Optional<Path> backing, Optional<String> backingFormat) {

    /** @return the overlay volume of {@code domain} over {@code image} in {@code pool} */
    public static VolumeSpec overlay(String pool, String domain, DiskImage image) {
        return new VolumeSpec(pool, overlayName(domain, image.path()), image.virtualSize(), "qcow2", Optional.of(image.path()), Optional.of(image.format()));
    }

    /**
     * @return {@code <domain>-<8 hex digits of the image path's UUID>.qcow2}: a new image (a new
     *         store path) gets a new overlay, and the domain's definition changes with it
     */
    static String overlayName(String domain, Path image) {
        return domain + "-" + Identity.v5(Identity.NAMESPACE, "image/" + image).toString().substring(0, 8) + ".qcow2";
    }

    /** @return the volume XML */
    public String xml() {
        Xml target = Xml.el("target").add(Xml.el("format").attr("type", format))
                .add(Xml.el("permissions").add(Xml.text("mode", "0600")));
        return Xml.el("volume")
                .add(Xml.text("name", name))
                .add(Xml.text("capacity", Long.toString(capacityBytes)).attr("unit", "bytes"))
                .add(target)
                .add(backing.map(b -> Xml.el("backingStore").add(Xml.text("path", b.toString()))
                        .add(Xml.el("format").attr("type", backingFormat.orElse("qcow2")))).orElse(null))
                .render();
    }
}
