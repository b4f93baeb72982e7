package dev.kboot.launcher.guest;

import dev.kboot.launcher.vm.BootPlan;
import dev.kboot.launcher.vm.GuestFacts;
import dev.kboot.launcher.vm.VmOptions;
import java.time.Duration;

/**
 * What the harness runs its suites on: something that gives a {@link Guest} with its agent
 * answering. {@link #boot(BootPlan)} boots an imageless QEMU guest; the libvirt backend starts
 * or attaches to a domain.
 */
public interface GuestTarget {

    /** @return what is known before the guest runs (fields only the guest can tell are null) */
    GuestFacts facts();

    /**
     * Boots or attaches to the guest and waits for its agent.
     *
     * @param options   where output goes
     * @param agentWait how long until the agent must answer
     * @return the guest, ready for commands; close it
     * @throws GuestException when the agent never answers or the guest stops or crashes first
     */
    Guest open(VmOptions options, Duration agentWait);

    /** @return a target that boots {@code plan} (made with the agent port) with {@link Guest#boot} */
    static GuestTarget boot(BootPlan plan) {
        return new GuestTarget() {
            @Override
            public GuestFacts facts() {
                return GuestFacts.of(plan);
            }

            @Override
            public Guest open(VmOptions options, Duration agentWait) {
                return Guest.boot(plan, options, agentWait);
            }
        };
    }
}
