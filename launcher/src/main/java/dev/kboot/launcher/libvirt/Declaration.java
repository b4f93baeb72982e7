package dev.kboot.launcher.libvirt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.Units;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A {@code kboot libvirt apply} file (YAML, or JSON, which is YAML too): the domains, networks
 * and pools (with volumes) that should exist, each with its desired state. docs/libvirt.md
 * documents the keys; every malformed or unknown key is an error naming the file, the key
 * ({@code domains[0].memory}) and what was expected (exit 65). Relative paths are relative to
 * the file's directory.
 *
 * @param file     where it was read from
 * @param domains  the domains, with their desired state
 * @param networks the networks
 * @param pools    the pools with their volumes
 */
public record Declaration(Path file, List<DomainEntry> domains, List<NetworkEntry> networks, List<PoolEntry> pools) {

    /** A declared domain: the request kboot plans it from, and its desired state. */
    public record DomainEntry(DomainRequest request, Desired desired) {
    }

    /** A declared network. */
    public record NetworkEntry(NetworkSpec spec, Desired desired) {
    }

    /** A declared pool with its volumes. */
    public record PoolEntry(PoolSpec spec, Desired desired) {
    }

    private static final Set<String> TOP = Set.of("domains", "networks", "pools");
    private static final Set<String> DOMAIN = Set.of("name", "uuid", "source", "imageless", "kernel", "modules", "specialisation", "append",
            "memory", "cpus", "network", "pool", "type", "firmware", "state-dir", "writable-share", "state", "restart", "autostart");
    private static final Set<String> NETWORK = Set.of("name", "uuid", "definition", "forward", "bridge", "address", "dhcp", "state", "restart", "autostart");
    private static final Set<String> POOL = Set.of("name", "uuid", "definition", "path", "volumes", "state", "autostart");
    private static final Set<String> VOLUME = Set.of("name", "capacity", "format", "backing");

    /**
     * Reads a declaration.
     *
     * @throws KbootException 66 when the file is missing, 65 for any malformed or unknown key
     */
    public static Declaration read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw KbootException.missing("declaration", file);
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw KbootException.badInput(file, null, "YAML or JSON (" + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()) + ")");
        } catch (IOException e) {
            throw KbootException.missing("readable declaration (" + e.getMessage() + ")", file);
        }
        Reader r = new Reader(file, file.toAbsolutePath().getParent());
        if (root == null || !root.isObject()) {
            throw KbootException.badInput(file, null, "a mapping with domains, networks and pools");
        }
        r.keys(root, "", TOP);
        List<DomainEntry> domains = new ArrayList<>();
        List<NetworkEntry> networks = new ArrayList<>();
        List<PoolEntry> pools = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode d : r.list(root, "domains")) {
            domains.add(r.domain(d, "domains[" + i++ + "]", names));
        }
        names.clear();
        i = 0;
        for (JsonNode n : r.list(root, "networks")) {
            networks.add(r.network(n, "networks[" + i++ + "]", names));
        }
        names.clear();
        i = 0;
        for (JsonNode p : r.list(root, "pools")) {
            pools.add(r.pool(p, "pools[" + i++ + "]", names));
        }
        return new Declaration(file, List.copyOf(domains), List.copyOf(networks), List.copyOf(pools));
    }

    /** Walks the tree, naming the key of every fault. */
    private record Reader(Path file, Path dir) {
        KbootException bad(String key, String expected) {
            return KbootException.badInput(file, key, expected);
        }

        void keys(JsonNode n, String at, Set<String> allowed) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    throw bad(at.isEmpty() ? k : at + "." + k, "a known key (" + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
        }

        List<JsonNode> list(JsonNode n, String key) {
            JsonNode v = n.get(key);
            if (v == null || v.isNull()) {
                return List.of();
            }
            if (!v.isArray()) {
                throw bad(key, "a list");
            }
            List<JsonNode> out = new ArrayList<>();
            v.forEach(out::add);
            return out;
        }

        JsonNode object(JsonNode n, String at, Set<String> allowed) {
            if (!n.isObject()) {
                throw bad(at, "a mapping");
            }
            keys(n, at, allowed);
            return n;
        }

        Optional<String> text(JsonNode n, String at, String key) {
            JsonNode v = n.get(key);
            if (v == null || v.isNull()) {
                return Optional.empty();
            }
            if (!v.isValueNode() || v.isBoolean()) {
                throw bad(at + "." + key, "a string");
            }
            return Optional.of(v.asText());
        }

        String required(JsonNode n, String at, String key) {
            return text(n, at, key).filter(s -> !s.isBlank()).orElseThrow(() -> bad(at + "." + key, "a value (it is required)"));
        }

        Optional<Boolean> bool(JsonNode n, String at, String key) {
            JsonNode v = n.get(key);
            if (v == null || v.isNull()) {
                return Optional.empty();
            }
            if (!v.isBoolean()) {
                throw bad(at + "." + key, "true or false, found '" + v.asText() + "'");
            }
            return Optional.of(v.asBoolean());
        }

        Optional<Path> path(JsonNode n, String at, String key) {
            return text(n, at, key).map(s -> dir.resolve(s).normalize());
        }

        <T> T parse(String at, String text, java.util.function.Function<String, T> f) {
            try {
                return f.apply(text);
            } catch (IllegalArgumentException e) {
                throw bad(at, e.getMessage());
            } catch (KbootException e) {
                String m = e.getMessage();
                throw bad(at, m.contains(": ") ? m.substring(m.indexOf(": ") + 2) : m);
            }
        }

        Optional<UUID> uuid(JsonNode n, String at) {
            return text(n, at, "uuid").map(s -> parse(at + ".uuid", s, t -> {
                try {
                    return UUID.fromString(t);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("a UUID (8-4-4-4-12 hex digits), found '" + t + "'");
                }
            }));
        }

        String name(JsonNode n, String at, Set<String> seen) {
            String name = required(n, at, "name");
            if (!seen.add(name)) {
                throw bad(at + ".name", "a name not declared twice, found '" + name + "' again");
            }
            return name;
        }

        Desired desired(JsonNode n, String at) {
            Optional<Desired.State> state = text(n, at, "state").map(s -> parse(at + ".state", s, Desired.State::parse));
            Desired.Restart restart = text(n, at, "restart").map(s -> parse(at + ".restart", s, Desired.Restart::parse)).orElse(Desired.Restart.IFCHANGED);
            return new Desired(state, restart, bool(n, at, "autostart"));
        }

        DomainEntry domain(JsonNode raw, String at, Set<String> seen) {
            JsonNode n = object(raw, at, DOMAIN);
            String name = name(n, at, seen);
            Path source = path(n, at, "source").orElseThrow(() -> bad(at + ".source", "a value (it is required): a NixOS toplevel or image"));
            boolean imageless = bool(n, at, "imageless").orElse(false);
            long memory = text(n, at, "memory").map(s -> parse(at + ".memory", s, t -> Units.memoryBytes(at + ".memory", t))).orElse(1L << 30);
            int cpus = text(n, at, "cpus").map(s -> parse(at + ".cpus", s, t -> {
                try {
                    return Integer.parseInt(t);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("a number of vCPUs, found '" + t + "'");
                }
            })).orElse(2);
            Optional<String> network = n.has("network") && n.get("network").isNull() ? Optional.empty()
                    : Optional.of(text(n, at, "network").orElse("default")).filter(s -> !s.equals("none"));
            DomainRequest req = new DomainRequest(source, imageless, path(n, at, "kernel").orElse(null), path(n, at, "modules").orElse(null),
                    text(n, at, "specialisation").orElse(null), text(n, at, "append").orElse(""), name, uuid(n, at), memory, cpus, network,
                    text(n, at, "pool").orElse("default"),
                    text(n, at, "type").map(s -> parse(at + ".type", s, DomainSpec.Hypervisor::parse)).orElse(DomainSpec.Hypervisor.KVM),
                    text(n, at, "firmware").map(s -> parse(at + ".firmware", s, DomainSpec.Firmware::parse)).orElse(DomainSpec.Firmware.BIOS),
                    path(n, at, "state-dir"), bool(n, at, "writable-share").orElse(true));
            return new DomainEntry(req, desired(n, at));
        }

        Optional<Xml> definition(JsonNode n, String at) {
            return path(n, at, "definition").map(p -> {
                if (!Files.isRegularFile(p)) {
                    throw KbootException.missing(at + ".definition", p);
                }
                try {
                    return Xml.parse(Files.readString(p));
                } catch (IOException e) {
                    throw KbootException.missing("readable " + at + ".definition", p);
                } catch (IllegalArgumentException e) {
                    throw KbootException.badInput(p, null, "well-formed XML (" + e.getMessage() + ")");
                }
            });
        }

        NetworkEntry network(JsonNode raw, String at, Set<String> seen) {
            JsonNode n = object(raw, at, NETWORK);
            String name = name(n, at, seen);
            String forward = text(n, at, "forward").orElse("nat");
            if (!Set.of("nat", "route", "none").contains(forward)) {
                throw bad(at + ".forward", "nat, route or none, found '" + forward + "'");
            }
            Optional<String> address = text(n, at, "address");
            address.ifPresent(a -> parse(at + ".address", a, t -> {
                String[] p = t.split("/");
                if (p.length != 2) {
                    throw new IllegalArgumentException("an address with its prefix (192.168.150.1/24), found '" + t + "'");
                }
                NetworkSpec.ipv4(p[0]);
                int prefix;
                try {
                    prefix = Integer.parseInt(p[1]);
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 8 || prefix > 30) {
                    throw new IllegalArgumentException("a prefix length from 8 to 30, found '" + p[1] + "'");
                }
                return t;
            }));
            Optional<Xml> def = definition(n, at);
            UUID uuid = uuid(n, at).orElseGet(() -> Identity.uuid("network", name));
            return new NetworkEntry(new NetworkSpec(name, uuid, def, forward, text(n, at, "bridge"), address,
                    bool(n, at, "dhcp").orElse(address.isPresent())), desired(n, at));
        }

        PoolEntry pool(JsonNode raw, String at, Set<String> seen) {
            JsonNode n = object(raw, at, POOL);
            String name = name(n, at, seen);
            Optional<Xml> def = definition(n, at);
            Optional<Path> path = path(n, at, "path");
            if (def.isEmpty() && path.isEmpty()) {
                throw bad(at + ".path", "the directory of a directory pool (or a definition file)");
            }
            List<VolumeSpec> volumes = new ArrayList<>();
            Set<String> vnames = new HashSet<>();
            int i = 0;
            for (JsonNode v : list(n, "volumes")) {
                String vat = at + ".volumes[" + i++ + "]";
                object(v, vat, VOLUME);
                String vname = name(v, vat, vnames);
                long cap = parse(vat + ".capacity", required(v, vat, "capacity"), t -> Units.memoryBytes(vat + ".capacity", t));
                String format = text(v, vat, "format").orElse("qcow2");
                if (!format.equals("qcow2") && !format.equals("raw")) {
                    throw bad(vat + ".format", "qcow2 or raw, found '" + format + "'");
                }
                Optional<Path> backing = path(v, vat, "backing");
                volumes.add(new VolumeSpec(name, vname, cap, format, backing, backing.map(b -> DiskImage.inspect(b, Optional.empty()).format())));
            }
            UUID uuid = uuid(n, at).orElseGet(() -> Identity.uuid("pool", name));
            Desired d = desired(n, at);
            return new PoolEntry(new PoolSpec(name, uuid, def, path, volumes), d);
        }
    }
}
