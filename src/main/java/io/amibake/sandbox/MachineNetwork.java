package io.amibake.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real machines' network: each container has a network namespace of its own (its own
 * loopback, so every machine's Apache may listen on port 80) and one veth link to the host,
 * a /30 of the link-local range 169.254.0.0/16 (the range EC2's instances reach their host
 * services on; 169.254.169.0/24 is left alone). No route leads further: the only thing a machine
 * reaches is the apt proxy, on its link's host address. The link disappears with the container's
 * namespace, whatever ends the container.
 */
final class MachineNetwork {

    private static final Duration STEP = Duration.ofSeconds(30);
    /** Links of 4 addresses each in 169.254.0.0/16, but not in 169.254.169.0/24. */
    private static final int LINKS = 16384;
    private static final int IMDS_FIRST = 169 * 64;
    private static final int IMDS_LAST = IMDS_FIRST + 63;

    private final Set<Integer> used = ConcurrentHashMap.newKeySet();

    /** One machine's link: the host side's name and address, and the machine's address. */
    record Link(int index, String hostName, String hostAddress, String machineAddress, MachineNetwork network) {

        void release() {
            network.used.remove(index);
        }
    }

    /**
     * Creates the link of the container whose init is {@code pid}: eth0 inside, up, with the
     * host side as its default route. Another sandbox of the host may hold an index this one
     * picked at random: {@code ip} then refuses the name, and another is tried.
     */
    Link attach(long pid) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int index = ThreadLocalRandom.current().nextInt(1, LINKS);
            if (index >= IMDS_FIRST && index <= IMDS_LAST || !used.add(index)) {
                continue;
            }
            int base = index * 4;
            String prefix = "169.254." + (base >> 8) + ".";
            Link link = new Link(index, "vab" + index, prefix + ((base & 255) + 1), prefix + ((base & 255) + 2), this);
            HostCommand.Result created = HostCommand.run(STEP, List.of("ip", "link", "add", link.hostName(), "type",
                    "veth", "peer", "name", "eth0", "netns", Long.toString(pid)));
            if (!created.ok()) {
                used.remove(index);
                if (created.output().contains("File exists")) {
                    continue;
                }
                throw new IllegalStateException("cannot create the network link of a machine: " + created.output());
            }
            String pidText = Long.toString(pid);
            HostCommand.check(STEP, List.of("ip", "addr", "add", link.hostAddress() + "/30", "dev", link.hostName()));
            HostCommand.check(STEP, List.of("ip", "link", "set", link.hostName(), "up"));
            HostCommand.check(STEP, List.of("nsenter", "-t", pidText, "-n", "ip", "addr", "add",
                    link.machineAddress() + "/30", "dev", "eth0"));
            HostCommand.check(STEP, List.of("nsenter", "-t", pidText, "-n", "ip", "link", "set", "eth0", "up"));
            HostCommand.check(STEP, List.of("nsenter", "-t", pidText, "-n", "ip", "route", "add", "default", "via",
                    link.hostAddress()));
            return link;
        }
        throw new IllegalStateException("no free network link for a machine after 50 tries");
    }
}
