package dev.kboot.launcher.libvirt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Applies a {@link Declaration}: pools (and their volumes) first, then networks, then domains,
 * which need them; then, when asked, prunes the kboot domains the file does not name.
 */
public final class Applier {
    private Applier() {
    }

    /**
     * @param d      the declaration
     * @param c      the connection
     * @param r      the reconciler over {@code c}
     * @param prune  whether undeclared domains carrying kboot's metadata element are deleted
     * @param dryRun change nothing; say what would be done
     * @return one change per object, in the order applied
     * @throws dev.kboot.launcher.KbootException on the first object libvirt refuses (those
     *         before it stay applied), with the codes of {@link LibvirtErrors}
     */
    public static List<Change> apply(Declaration d, LibvirtConnection c, Reconciler r, boolean prune, boolean dryRun) throws InterruptedException {
        List<Change> out = new ArrayList<>();
        for (Declaration.PoolEntry p : d.pools()) {
            out.addAll(r.pool(p.spec(), p.desired(), dryRun));
        }
        for (Declaration.NetworkEntry n : d.networks()) {
            out.addAll(r.network(n.spec(), n.desired(), dryRun));
        }
        DomainPlanner.Host host = DomainPlanner.Host.of(c);
        Set<UUID> declared = new HashSet<>();
        for (Declaration.DomainEntry e : d.domains()) {
            DomainPlanner.DomainPlan plan = DomainPlanner.plan(e.request(), host);
            declared.add(plan.spec().uuid());
            out.add(r.domain(plan, e.desired(), dryRun));
        }
        if (prune) {
            out.addAll(r.prune(declared, dryRun));
        }
        return out;
    }
}
