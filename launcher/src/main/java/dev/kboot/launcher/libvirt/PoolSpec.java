package dev.kboot.launcher.libvirt;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A storage pool kboot defines ({@code apply}) with the volumes declared in it: a directory pool
 * from kboot's fields, or a whole definition the user wrote. libvirt pools carry no metadata,
 * so pools and their volumes are never pruned.
 *
 * @param name       the pool's name
 * @param uuid       its UUID
 * @param definition the user's own definition (its name and UUID are set to these), or empty
 * @param path       the directory of a directory pool (kboot's fields)
 * @param volumes    the volumes declared in it, created when absent (never resized or deleted)
 */
public record PoolSpec(String name, UUID uuid, Optional<Xml> definition, Optional<Path> path, List<VolumeSpec> volumes) {

    /** Copies the list. */
    public PoolSpec {
        volumes = List.copyOf(volumes);
    }

    /** @return the pool XML (https://libvirt.org/formatstorage.html) */
    public String xml() {
        if (definition.isPresent()) {
            return definition.get().identified(name, uuid).render();
        }
        return Xml.el("pool").attr("type", "dir")
                .add(Xml.text("name", name), Xml.text("uuid", uuid.toString()))
                .add(Xml.el("target").add(Xml.text("path", path.orElseThrow().toString())))
                .render();
    }
}
