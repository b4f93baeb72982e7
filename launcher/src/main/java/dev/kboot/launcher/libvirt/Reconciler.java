package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.libvirt.Domain;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/**
 * Brings libvirt objects to what was declared, idempotently (NixVirt's virtdeclare rules,
 * REFERENCE.md section 7): identity is the UUID; an absent object is defined; a present one is
 * redefined and its inactive definition, read before and after and normalised, says whether it
 * changed; a running object is restarted only when it changed and the policy says so; a name
 * held by another UUID is refused; nothing undeclared is touched except by {@link #prune}, and
 * then only domains carrying kboot's metadata element.
 *
 * <p>A dry run changes nothing: an absent object would be created; for a present one kboot's
 * definition is compared with the inactive one as a subset (libvirt adds defaults, addresses and
 * controllers, and expands the machine type), which is an estimate: only a real redefine tells.
 */
public final class Reconciler {
    /** virNetworkXMLFlags VIR_NETWORK_XML_INACTIVE, virStorageXMLFlags VIR_STORAGE_XML_INACTIVE. */
    private static final int NETWORK_XML_INACTIVE = 1, POOL_XML_INACTIVE = 1;

    private final LibvirtConnection c;
    private final Domains domains;
    private final Duration stopTimeout;

    /**
     * @param c           the connection
     * @param stopTimeout how long a domain may take to shut down before it is destroyed
     */
    public Reconciler(LibvirtConnection c, Duration stopTimeout) {
        this.c = c;
        this.domains = new Domains(c);
        this.stopTimeout = stopTimeout;
    }

    /** One kind of libvirt object, as the generic define needs it. */
    private record Kind<H>(String kind, Lookup<H> byUuid, Lookup<H> byName, Read<H> uuidOf, Read<H> nameOf, Read<H> inactiveXml,
                           Define<H> define) {
    }

    @FunctionalInterface
    private interface Lookup<H> {
        H find(String key) throws LibvirtException;
    }

    @FunctionalInterface
    private interface Read<H> {
        String read(H h) throws LibvirtException;
    }

    @FunctionalInterface
    private interface Define<H> {
        H define(String xml) throws LibvirtException;
    }

    /** The outcome of a define: the handle, and whether it was created or changed. */
    private record Defined<H>(H handle, boolean created, boolean changed, List<String> diff) {
        Change.Action action() {
            return created ? Change.Action.CREATED : changed ? Change.Action.UPDATED : Change.Action.UNCHANGED;
        }
    }

    private Kind<Domain> domainKind() {
        return new Kind<>("domain", k -> c.raw().domainLookupByUUIDString(k), k -> c.raw().domainLookupByName(k), Domain::getUUIDString,
                Domain::getName, d -> d.getXMLDesc(Domains.XML_INACTIVE), x -> c.raw().domainDefineXML(x));
    }

    private Kind<Network> networkKind() {
        return new Kind<>("network", k -> c.raw().networkLookupByUUIDString(k), k -> c.raw().networkLookupByName(k), Network::getUUIDString,
                Network::getName, n -> inactive(() -> n.getXMLDesc(NETWORK_XML_INACTIVE), () -> n.getXMLDesc(0)), x -> c.raw().networkDefineXML(x));
    }

    private Kind<StoragePool> poolKind() {
        return new Kind<>("pool", k -> c.raw().storagePoolLookupByUUIDString(k), k -> c.raw().storagePoolLookupByName(k),
                StoragePool::getUUIDString, StoragePool::getName,
                p -> inactive(() -> p.getXMLDesc(POOL_XML_INACTIVE), () -> p.getXMLDesc(0)), x -> c.raw().storagePoolDefineXML(x, 0));
    }

    /**
     * libvirt's test driver knows no INACTIVE flag for networks and pools ("unsupported flags"),
     * so an active one's redefinition cannot be read back there: {@link #define} then falls back
     * to the estimate a dry run makes.
     */
    private static String inactive(LibvirtConnection.Call<String> withFlag, LibvirtConnection.Call<String> plain) throws LibvirtException {
        try {
            return withFlag.run();
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_INVALID_ARG
                    && String.valueOf(e.getError().getMessage()).contains("unsupported flags")) {
                throw new NoInactiveDefinition(plain.run());
            }
            throw e;
        }
    }

    /** The driver cannot return an inactive definition; {@code live} is what it has. */
    private static final class NoInactiveDefinition extends RuntimeException {
        final String live;

        NoInactiveDefinition(String live) {
            super(null, null, false, false);
            this.live = live;
        }
    }

    private <H> Optional<H> find(Kind<H> k, Lookup<H> how, String key) {
        try {
            return Optional.of(how.find(key));
        } catch (LibvirtException e) {
            Error.ErrorNumber code = e.getError() == null ? null : e.getError().getCode();
            if (code == Error.ErrorNumber.VIR_ERR_NO_DOMAIN || code == Error.ErrorNumber.VIR_ERR_NO_NETWORK
                    || code == Error.ErrorNumber.VIR_ERR_NO_STORAGE_POOL) {
                return Optional.empty();
            }
            throw LibvirtErrors.of("cannot look up " + k.kind() + " " + key, e, c.uri());
        }
    }

    private <H> String read(Kind<H> k, Read<H> r, H h) {
        try {
            return r.read(h);
        } catch (LibvirtException e) {
            throw LibvirtErrors.of("cannot read a " + k.kind(), e, c.uri());
        }
    }

    /** Refuses a name held by another UUID, and a UUID whose object has another name. */
    private <H> Optional<H> identify(Kind<H> k, String name, UUID uuid) {
        Optional<H> byName = find(k, k.byName(), name);
        Optional<H> byUuid = find(k, k.byUuid(), uuid.toString());
        try {
            if (byName.isPresent() && !read(k, k.uuidOf(), byName.get()).equalsIgnoreCase(uuid.toString())) {
                throw LibvirtConnection.refused(k.kind() + " name " + name + " is held by UUID " + read(k, k.uuidOf(), byName.get())
                        + ", not " + uuid + " as declared: undefine that " + k.kind() + " first, or declare its UUID to take it over");
            }
            if (byUuid.isPresent() && !read(k, k.nameOf(), byUuid.get()).equals(name)) {
                throw LibvirtConnection.refused(k.kind() + " " + uuid + " is named " + read(k, k.nameOf(), byUuid.get())
                        + ", not " + name + ": libvirt cannot rename through a define; undefine " + read(k, k.nameOf(), byUuid.get()) + " first");
            }
        } finally {
            byName.ifPresent(Domains::free);
        }
        return byUuid;
    }

    /** Defines {@code xml}, reading the inactive definition before and after when the object exists. */
    private <H> Defined<H> define(Kind<H> k, String name, Optional<H> existing, String xml) {
        String what = "cannot define " + k.kind() + " " + name;
        try {
            if (existing.isEmpty()) {
                return new Defined<>(k.define().define(xml), true, true, List.of());
            }
            String before;
            try {
                before = Xml.parse(k.inactiveXml().read(existing.get())).normalised().render();
            } catch (NoInactiveDefinition e) {
                Xml have = Xml.parse(e.live).normalised();
                Xml want = Xml.parse(xml).normalised();
                boolean same = Xml.covers(have, want);
                H h = k.define().define(xml);
                Domains.free(existing.get());
                return new Defined<>(h, false, !same, same ? List.of() : Xml.diff(have.render(), want.render()));
            }
            H h = k.define().define(xml);
            Domains.free(existing.get());
            String after = Xml.parse(k.inactiveXml().read(h)).normalised().render();
            return new Defined<>(h, false, !before.equals(after), Xml.diff(before, after));
        } catch (LibvirtException e) {
            throw LibvirtErrors.of(what, e, c.uri());
        }
    }

    /** What a dry run estimates for a present object: kboot's definition as a subset of the inactive one. */
    private <H> Defined<H> estimate(Kind<H> k, Optional<H> existing, String xml) {
        if (existing.isEmpty()) {
            return new Defined<>(null, true, true, Xml.diff("", Xml.parse(xml).render()));
        }
        String current;
        try {
            current = read(k, k.inactiveXml(), existing.get());
        } catch (NoInactiveDefinition e) {
            current = e.live;
        }
        Xml have = Xml.parse(current).normalised();
        Xml want = Xml.parse(xml).normalised();
        boolean same = Xml.covers(have, want);
        return new Defined<>(existing.get(), false, !same, same ? List.of() : Xml.diff(have.render(), want.render()));
    }

    /**
     * Defines (or redefines) a kboot domain and brings it to {@code desired}: its overlay volume
     * is created when absent, kboot's state directory (and the read-only virtiofsd wrapper) made
     * on this host, old overlays of earlier images deleted once no running domain uses them.
     *
     * @return what was done
     * @throws KbootException 78 for a name held by another UUID or a definition libvirt refuses,
     *                        66/69 per {@link LibvirtErrors}
     */
    public Change domain(DomainPlanner.DomainPlan plan, Desired desired, boolean dryRun) throws InterruptedException {
        DomainSpec spec = plan.spec();
        String xml = DomainXml.render(spec);
        Kind<Domain> k = domainKind();
        List<String> notes = new ArrayList<>(plan.notes());
        Optional<Domain> existing = identify(k, spec.name(), spec.uuid());
        if (dryRun) {
            Defined<Domain> d = estimate(k, existing, xml);
            plan.overlay().ifPresent(v -> notes.add("overlay " + v.pool() + "/" + v.name() + " over " + v.backing().orElseThrow()));
            boolean active = existing.isPresent() && domains.active(existing.get());
            existing.ifPresent(Domains::free);
            return new Change("domain", spec.name(), actions(d, active, desired), d.diff(), notes, true);
        }
        plan.overlay().ifPresent(v -> volume(v, notes));
        prepareStateDir(plan, notes);
        Defined<Domain> d = define(k, spec.name(), existing, xml);
        Domain h = d.handle();
        try {
            desired.autostart().ifPresent(a -> c.run("cannot set autostart of " + spec.name(), () -> h.setAutostart(a)));
            List<Change.Action> done = new ArrayList<>(List.of(d.action()));
            boolean active = domains.active(h);
            List<Change.Action> plan2 = actions(d, active, desired);
            for (Change.Action a : plan2.subList(1, plan2.size())) {
                switch (a) {
                    case STARTED -> domains.start(h);
                    case STOPPED -> domains.stop(h, stopTimeout);
                    case RESTARTED -> {
                        domains.stop(h, stopTimeout);
                        domains.start(h);
                    }
                    default -> throw new IllegalStateException(a.toString());
                }
                done.add(a);
            }
            plan.overlay().ifPresent(v -> dropOldOverlays(spec, v, h, notes));
            return new Change("domain", spec.name(), done, d.created() ? List.of() : d.diff(), notes, false);
        } finally {
            Domains.free(h);
        }
    }

    /** @return the actions for an object that was defined as {@code d} and is {@code active}: the define's, then the state's */
    private static List<Change.Action> actions(Defined<?> d, boolean active, Desired desired) {
        List<Change.Action> out = new ArrayList<>(List.of(d.action()));
        boolean restart = active && (desired.restart() == Desired.Restart.ALWAYS || desired.restart() == Desired.Restart.IFCHANGED && d.changed() && !d.created());
        if (desired.state().isEmpty()) {
            if (restart) {
                out.add(Change.Action.RESTARTED);
            }
        } else if (desired.state().get() == Desired.State.RUNNING) {
            out.add(!active ? Change.Action.STARTED : null);
            if (restart) {
                out.add(Change.Action.RESTARTED);
            }
        } else if (active) {
            out.add(Change.Action.STOPPED);
        }
        out.removeIf(java.util.Objects::isNull);
        return out;
    }

    /** Makes kboot's state directory (agent socket, console log, writable share) and the read-only wrapper, on this host. */
    private void prepareStateDir(DomainPlanner.DomainPlan plan, List<String> notes) {
        if (!c.isLocal() || c.isTest()) {
            return;
        }
        DomainSpec spec = plan.spec();
        Path dir = spec.metadata().stateDir();
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            for (DomainSpec.Filesystem f : spec.filesystems()) {
                if (!f.readOnly()) {
                    Files.createDirectories(f.source());
                }
            }
            Optional<Path> wrapper = plan.wrapper();
            if (wrapper.isPresent()) {
                String script = VirtiofsdWrapper.script();
                if (!Files.exists(wrapper.get()) || !Files.readString(wrapper.get()).equals(script)) {
                    Path tmp = wrapper.get().resolveSibling(wrapper.get().getFileName() + ".tmp");
                    Files.writeString(tmp, script, StandardCharsets.UTF_8);
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                    Files.move(tmp, wrapper.get(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } catch (IOException e) {
            throw new KbootException(ExitCode.UNAVAILABLE, "cannot make kboot's directory " + dir + " for domain " + spec.name() + ": " + e.getMessage()
                    + " (run as root for qemu:///system, or give --state-dir)");
        }
    }

    /** Creates a volume when absent; a present one must have the same backing file. */
    private void volume(VolumeSpec v, List<String> notes) {
        StoragePool pool = activePool(v.pool());
        try {
            Optional<StorageVol> vol = volumeIn(pool, v.name());
            if (vol.isPresent()) {
                try {
                    Optional<String> backing = Xml.parse(c.call("cannot read volume " + v.name(), () -> vol.get().getXMLDesc(0)))
                            .textAt("backingStore/path");
                    if (v.backing().isPresent() && !backing.orElse("").equals(v.backing().get().toString())) {
                        throw LibvirtConnection.refused("volume " + v.pool() + "/" + v.name() + " exists with backing file "
                                + backing.orElse("(none)") + ", not " + v.backing().get() + ": delete it (virsh vol-delete) to let kboot recreate it");
                    }
                } finally {
                    Domains.free(vol.get());
                }
                return;
            }
            StorageVol created = c.call("cannot create volume " + v.name() + " in pool " + v.pool(), () -> pool.storageVolCreateXML(v.xml(), 0));
            Domains.free(created);
            notes.add("volume " + v.pool() + "/" + v.name() + " created" + v.backing().map(b -> " (backing file " + b + ")").orElse(""));
        } finally {
            Domains.free(pool);
        }
    }

    private StoragePool activePool(String name) {
        StoragePool pool = c.call("cannot find storage pool " + name, () -> c.raw().storagePoolLookupByName(name));
        if (c.call("cannot read the state of pool " + name, pool::isActive) != 1) {
            Domains.free(pool);
            throw new KbootException(ExitCode.UNAVAILABLE, "storage pool " + name + " is not active; start it: virsh pool-start " + name);
        }
        c.run("cannot refresh pool " + name, () -> pool.refresh(0));
        return pool;
    }

    private Optional<StorageVol> volumeIn(StoragePool pool, String name) {
        try {
            return Optional.of(pool.storageVolLookupByName(name));
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_NO_STORAGE_VOL) {
                return Optional.empty();
            }
            throw LibvirtErrors.of("cannot look up volume " + name, e, c.uri());
        }
    }

    /** Deletes the overlays of earlier images of this domain ({@code <name>-<8 hex>.qcow2}), unless the running domain uses one. */
    private void dropOldOverlays(DomainSpec spec, VolumeSpec current, Domain h, List<String> notes) {
        Pattern mine = Pattern.compile(Pattern.quote(spec.name()) + "-[0-9a-f]{8}\\.qcow2");
        Optional<DomainSpec.DiskBoot> inUse = domains.active(h) ? DomainXml.read(domains.liveXml(h)).overlay() : Optional.empty();
        StoragePool pool = c.call("cannot find storage pool " + current.pool(), () -> c.raw().storagePoolLookupByName(current.pool()));
        try {
            for (String n : c.call("cannot list pool " + current.pool(), pool::listVolumes)) {
                if (!mine.matcher(n).matches() || n.equals(current.name()) || inUse.map(DomainSpec.DiskBoot::volume).filter(n::equals).isPresent()) {
                    continue;
                }
                volumeIn(pool, n).ifPresent(v -> {
                    try {
                        c.run("cannot delete old overlay " + n, () -> v.delete(0));
                        notes.add("old overlay " + current.pool() + "/" + n + " deleted");
                    } finally {
                        Domains.free(v);
                    }
                });
            }
        } finally {
            Domains.free(pool);
        }
    }

    /**
     * Defines (or redefines) a network and brings it to {@code desired}. An active network
     * whose definition changed is restarted when the policy allows, and so are the running
     * domains using it (a network restart cuts their link).
     *
     * @param spec    the network
     * @param desired its state (running = active)
     * @param dryRun  change nothing
     * @return what was done to the network, then to each domain restarted with it
     */
    public List<Change> network(NetworkSpec spec, Desired desired, boolean dryRun) throws InterruptedException {
        Kind<Network> k = networkKind();
        Optional<Network> existing = identify(k, spec.name(), spec.uuid());
        String xml = spec.xml();
        if (dryRun) {
            Defined<Network> d = estimate(k, existing, xml);
            boolean active = existing.isPresent() && c.call("cannot read network state", existing.get()::isActive) == 1;
            existing.ifPresent(Domains::free);
            return List.of(new Change("network", spec.name(), actions(d, active, desired), d.diff(), List.of(), true));
        }
        Defined<Network> d = define(k, spec.name(), existing, xml);
        Network n = d.handle();
        List<Change> out = new ArrayList<>();
        try {
            desired.autostart().ifPresent(a -> c.run("cannot set autostart of network " + spec.name(), () -> n.setAutostart(a)));
            boolean active = c.call("cannot read the state of network " + spec.name(), n::isActive) == 1;
            List<Change.Action> plan = actions(d, active, desired);
            List<Change> restartedDomains = new ArrayList<>();
            for (Change.Action a : plan.subList(1, plan.size())) {
                switch (a) {
                    case STARTED -> c.run("cannot start network " + spec.name(), n::create);
                    case STOPPED -> c.run("cannot stop network " + spec.name(), n::destroy);
                    case RESTARTED -> {
                        List<Domain> users = runningDomainsOn(spec.name());
                        try {
                            for (Domain u : users) {
                                domains.stop(u, stopTimeout);
                            }
                            c.run("cannot stop network " + spec.name(), n::destroy);
                            c.run("cannot start network " + spec.name(), n::create);
                            for (Domain u : users) {
                                domains.start(u);
                                restartedDomains.add(new Change("domain", domains.name(u), List.of(Change.Action.RESTARTED), List.of(),
                                        List.of("restarted with network " + spec.name()), false));
                            }
                        } finally {
                            users.forEach(Domains::free);
                        }
                    }
                    default -> throw new IllegalStateException(a.toString());
                }
            }
            out.add(new Change("network", spec.name(), plan, d.created() ? List.of() : d.diff(), List.of(), false));
            out.addAll(restartedDomains);
            return out;
        } finally {
            Domains.free(n);
        }
    }

    private List<Domain> runningDomainsOn(String network) {
        List<Domain> out = new ArrayList<>();
        for (Domain dom : domains.all()) {
            boolean uses = domains.active(dom) && Xml.parse(domains.liveXml(dom)).at("devices").stream()
                    .flatMap(dv -> dv.all("interface").stream())
                    .anyMatch(i -> i.at("source").flatMap(s -> s.attribute("network")).filter(network::equals).isPresent());
            if (uses) {
                out.add(dom);
            } else {
                Domains.free(dom);
            }
        }
        return out;
    }

    /**
     * Defines (or redefines) a storage pool, builds it when it is new (a directory pool makes
     * its directory), brings it to {@code desired} (active unless told) and creates its declared
     * volumes when absent.
     *
     * @return what was done to the pool, then to each volume created
     */
    public List<Change> pool(PoolSpec spec, Desired desired, boolean dryRun) {
        Kind<StoragePool> k = poolKind();
        Optional<StoragePool> existing = identify(k, spec.name(), spec.uuid());
        String xml = spec.xml();
        Desired d2 = desired.state().isPresent() ? desired : new Desired(Optional.of(Desired.State.RUNNING), desired.restart(), desired.autostart());
        if (dryRun) {
            Defined<StoragePool> d = estimate(k, existing, xml);
            boolean active = existing.isPresent() && c.call("cannot read pool state", existing.get()::isActive) == 1;
            existing.ifPresent(Domains::free);
            List<Change> out = new ArrayList<>(List.of(new Change("pool", spec.name(), actions(d, active, d2), d.diff(), List.of(), true)));
            for (VolumeSpec v : spec.volumes()) {
                out.add(new Change("volume", spec.name() + "/" + v.name(), List.of(Change.Action.CREATED), List.of(), List.of("created when absent"), true));
            }
            return out;
        }
        Defined<StoragePool> d = define(k, spec.name(), existing, xml);
        StoragePool p = d.handle();
        List<Change> out = new ArrayList<>();
        try {
            if (d.created()) {
                try {
                    p.build(0);
                } catch (LibvirtException e) {
                    // a pool whose target exists already, or a type that needs no build
                }
            }
            desired.autostart().ifPresent(a -> c.run("cannot set autostart of pool " + spec.name(), () -> p.setAutostart(a ? 1 : 0)));
            boolean active = c.call("cannot read the state of pool " + spec.name(), p::isActive) == 1;
            List<Change.Action> plan = actions(d, active, d2);
            for (Change.Action a : plan.subList(1, plan.size())) {
                switch (a) {
                    case STARTED -> c.run("cannot start pool " + spec.name(), () -> p.create(0));
                    case STOPPED -> c.run("cannot stop pool " + spec.name(), p::destroy);
                    case RESTARTED -> {
                        c.run("cannot stop pool " + spec.name(), p::destroy);
                        c.run("cannot start pool " + spec.name(), () -> p.create(0));
                    }
                    default -> throw new IllegalStateException(a.toString());
                }
            }
            out.add(new Change("pool", spec.name(), plan, d.created() ? List.of() : d.diff(), List.of(), false));
        } finally {
            Domains.free(p);
        }
        for (VolumeSpec v : spec.volumes()) {
            List<String> notes = new ArrayList<>();
            volume(v, notes);
            out.add(new Change("volume", spec.name() + "/" + v.name(), List.of(notes.isEmpty() ? Change.Action.UNCHANGED : Change.Action.CREATED),
                    List.of(), notes, false));
        }
        return out;
    }

    /**
     * Deletes the domains that carry kboot's metadata element and are not in {@code keep}
     * (stopped first; their overlay volumes and kboot's state directory go too; UEFI NVRAM and
     * TPM state are kept). Domains without the element are never touched (NixVirt issue #103).
     *
     * @param keep   the UUIDs declared
     * @param dryRun change nothing
     * @return one change per domain deleted
     */
    public List<Change> prune(java.util.Set<UUID> keep, boolean dryRun) throws InterruptedException {
        List<Change> out = new ArrayList<>();
        for (Domain d : domains.all()) {
            try {
                DomainXml.Facts f = DomainXml.read(domains.inactiveXml(d));
                if (!f.kboot() || keep.contains(domains.uuid(d))) {
                    continue;
                }
                String name = domains.name(d);
                List<String> notes = new ArrayList<>();
                if (!dryRun) {
                    if (domains.active(d)) {
                        domains.stop(d, stopTimeout);
                    }
                    domains.undefine(d, false, false);
                    notes.addAll(removeStorage(f));
                }
                out.add(new Change("domain", name, List.of(Change.Action.DELETED), List.of(), notes, dryRun));
            } finally {
                Domains.free(d);
            }
        }
        return out;
    }

    /**
     * Removes what kboot made for a domain it defined: its overlay volume (only a volume named
     * like kboot's overlays) and its state directory on this host.
     *
     * @param f the domain's facts, read before it was undefined
     * @return one note per thing removed
     */
    public List<String> removeStorage(DomainXml.Facts f) {
        List<String> notes = new ArrayList<>();
        if (!f.kboot()) {
            return notes;
        }
        if (f.overlay().isPresent() && f.overlay().get().volume().matches(".*-[0-9a-f]{8}\\.qcow2")) {
            DomainSpec.DiskBoot o = f.overlay().get();
            try {
                StoragePool pool = c.raw().storagePoolLookupByName(o.pool());
                try {
                    volumeIn(pool, o.volume()).ifPresent(v -> {
                        try {
                            c.run("cannot delete volume " + o.volume(), () -> v.delete(0));
                            notes.add("volume " + o.pool() + "/" + o.volume() + " deleted");
                        } finally {
                            Domains.free(v);
                        }
                    });
                } finally {
                    Domains.free(pool);
                }
            } catch (LibvirtException e) {
                notes.add("volume " + o.pool() + "/" + o.volume() + " left: " + e.getError().getMessage());
            }
        }
        if (f.stateDir().isPresent() && c.isLocal() && !c.isTest() && Files.isDirectory(f.stateDir().get())) {
            try (var walk = Files.walk(f.stateDir().get())) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                notes.add("directory " + f.stateDir().get() + " removed");
            } catch (IOException e) {
                notes.add("directory " + f.stateDir().get() + " left: " + e.getMessage());
            }
        }
        return notes;
    }
}
