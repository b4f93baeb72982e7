package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.bootspec.Bootspec;
import dev.kboot.launcher.bootspec.Closure;
import dev.kboot.launcher.kernel.KernelImage;
import dev.kboot.launcher.kernel.KernelInspector;
import dev.kboot.launcher.virtiofs.Share;
import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.Planner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a {@link DomainRequest} into a {@link DomainPlan}: finds the image (or the closure,
 * kernel, initrd and modules of an imageless domain), picks kboot's state directory on the
 * libvirt host, and fills the one domain template ({@link DomainSpec}). A pure function of the
 * request, the files it names and what is known of the libvirt host ({@link Host}).
 */
public final class DomainPlanner {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    /** libvirt 11.0 is the first to accept {@code <readonly/>} on a virtiofs filesystem. */
    static final long READONLY_VIRTIOFS = 11_000_000L;

    private DomainPlanner() {
    }

    /**
     * What is known of the libvirt host.
     *
     * @param local      whether its paths are this host's
     * @param session    whether it is a per-user (session) driver
     * @param libVersion libvirt's version there (9000000 for 9.0.0)
     */
    public record Host(boolean local, boolean session, long libVersion) {
        /** @return what {@code c} says of its host */
        public static Host of(LibvirtConnection c) {
            return new Host(c.isLocal(), c.isSession(), c.libVersion());
        }
    }

    /**
     * A resolved domain.
     *
     * @param spec    the domain
     * @param overlay its overlay volume (disk domains)
     * @param notes   what the user should know (a share left out, a directory to create on a remote host)
     */
    public record DomainPlan(DomainSpec spec, Optional<VolumeSpec> overlay, List<String> notes) {
        /** @return the read-only virtiofsd wrapper libvirt runs, when the plan uses one */
        public Optional<Path> wrapper() {
            return spec.filesystems().stream().flatMap(f -> f.binary().stream()).findFirst();
        }
    }

    /**
     * @param r    the request
     * @param host the libvirt host
     * @return the plan
     * @throws KbootException 64 for a bad name, 65/66 for a bad or missing image, closure,
     *                        kernel or initrd
     */
    public static DomainPlan plan(DomainRequest r, Host host) {
        if (!NAME.matcher(r.name()).matches()) {
            throw KbootException.usage("--name " + r.name() + ": expected 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (r.cpus() < 1 || r.cpus() > 256) {
            throw KbootException.usage("--cpus " + r.cpus() + ": expected 1 to 256");
        }
        if (r.memoryBytes() < (64L << 20)) {
            throw KbootException.usage("--memory: expected at least 64M");
        }
        Path stateDir = r.stateDir().orElseGet(() -> stateBase(host).resolve(r.name())).toAbsolutePath().normalize();
        List<String> notes = new ArrayList<>();
        List<DomainSpec.Filesystem> fs = new ArrayList<>();
        DomainSpec.Boot boot;
        Optional<VolumeSpec> overlay = Optional.empty();
        Optional<String> label;
        Optional<String> toplevel;
        Path source;
        Path wrapper = stateDir.resolve("virtiofsd-ro");
        boolean readonlyElement = host.libVersion() >= READONLY_VIRTIOFS;
        if (r.imageless()) {
            Closure closure = Closure.resolve(r.source(), r.specialisation(), null);
            Bootspec spec = closure.bootspec();
            Path kernel = r.kernel() != null ? r.kernel() : closure.toHost(spec.kernel());
            if (!Files.exists(kernel)) {
                throw r.kernel() != null ? KbootException.missing("--kernel", kernel) : KbootException.missing("bootspec kernel (" + spec.kernel() + ")", kernel);
            }
            KernelImage image = KernelInspector.inspect(kernel);
            Optional<Path> initrd = spec.initrd().map(closure::toHost);
            if (initrd.isPresent() && !Files.isRegularFile(initrd.get())) {
                throw KbootException.missing("bootspec initrd (" + spec.initrd().get() + ")", initrd.get());
            }
            List<String> words = Planner.cmdlineWords(spec, false);
            if (r.type() == DomainSpec.Hypervisor.QEMU) {
                // the TCG boot's timer fix, as kboot run's (Planner.TCG_PARAMS, docs/reliability.md);
                // not tsc_early_khz: the domain's host may not be this one
                words.addAll(Planner.TCG_PARAMS);
            }
            if (r.append() != null && !r.append().isBlank()) {
                words.add(r.append().trim());
            }
            boot = new DomainSpec.KernelBoot(real(kernel), initrd.map(DomainPlanner::real), String.join(" ", words));
            fs.add(readOnly(Share.STORE, real(closure.hostStore()), wrapper, readonlyElement));
            Optional<Path> modules = Planner.modulesDir(r.modules(), kernel, image.release());
            if (modules.isPresent()) {
                fs.add(readOnly(Share.MODULES, real(modules.get()), wrapper, readonlyElement));
            } else {
                notes.add("no modules found for " + image.release() + " next to " + kernel + " (nothing shared as 'modules'; use --modules DIR)");
            }
            label = Optional.of(spec.label());
            toplevel = Optional.of(spec.toplevel());
            source = r.source().toAbsolutePath().normalize();
        } else {
            DiskImage image = DiskImage.find(r.source());
            VolumeSpec v = VolumeSpec.overlay(r.pool(), r.name(), image);
            overlay = Optional.of(v);
            boot = new DomainSpec.DiskBoot(v.pool(), v.name());
            label = image.closure().map(c -> c.bootspec().label());
            toplevel = image.closure().map(c -> c.bootspec().toplevel());
            source = image.path();
        }
        if (r.writableShare() && !host.session()) {
            fs.add(new DomainSpec.Filesystem(BootPlan.XFER_TAG, stateDir.resolve("xfer"), false, Optional.empty(), false));
        } else if (r.writableShare()) {
            notes.add("no writable share (" + BootPlan.XFER_TAG + "): libvirt's session driver cannot run virtiofsd; "
                    + "fstests, blktests and LTP need it (their results are written there)");
        }
        if (!host.local()) {
            notes.add("the libvirt host is remote: " + stateDir + " must exist there (kboot creates it only on this host)"
                    + (fs.stream().anyMatch(f -> f.binary().isPresent())
                            ? " and hold kboot's read-only virtiofsd wrapper " + wrapper.getFileName()
                            + " (a define of the same domain run on that host writes both)" : ""));
        }
        var uuid = r.effectiveUuid();
        DomainSpec spec = new DomainSpec(r.name(), uuid, r.type(), r.memoryBytes(), r.cpus(), r.firmware(), boot, r.network(),
                Identity.mac(uuid, 0), stateDir.resolve("agent.sock"), stateDir.resolve("console.log"), fs,
                new DomainSpec.Metadata(source, label, toplevel, stateDir));
        return new DomainPlan(spec, overlay, List.copyOf(notes));
    }

    private static DomainSpec.Filesystem readOnly(String tag, Path dir, Path wrapper, boolean readonlyElement) {
        return new DomainSpec.Filesystem(tag, dir, true, readonlyElement ? Optional.empty() : Optional.of(wrapper), readonlyElement);
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /**
     * @return where kboot keeps its per-domain directories on the libvirt host:
     *         {@code /var/lib/kboot/libvirt} for a system driver, else
     *         {@code $XDG_STATE_HOME/kboot/libvirt} (default {@code ~/.local/state/kboot/libvirt})
     */
    public static Path stateBase(Host host) {
        if (!host.session()) {
            return Paths.get("/var/lib/kboot/libvirt");
        }
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".local", "state");
        return base.resolve("kboot").resolve("libvirt");
    }
}
