package io.amibake.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code deploy.instances}: keep {@code count} running instances of the recipe's latest image in
 * each deploy region. A bake launches the new ones, tests them, then terminates the previous
 * bake's; a count of 0 removes them.
 *
 * @param count          instances per region, 0 to {@link #MAX_COUNT}
 * @param instanceType   their instance type, or {@code null} for the build's
 * @param subnets        the subnet per region; a region without one launches in its default VPC
 * @param securityGroups the security groups per region; a region without any gets its VPC's default group
 */
public record DeployInstances(int count, String instanceType, Map<String, String> subnets,
                              Map<String, List<String>> securityGroups) {

    /**
     * A guard against a typo launching a fleet: amibake keeps a few identical servers per region;
     * a larger fleet belongs in an Auto Scaling group that uses the deployed launch template.
     */
    public static final int MAX_COUNT = 50;

    public DeployInstances {
        if (count < 0 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count must be 0 to " + MAX_COUNT + ", was " + count);
        }
        subnets = Map.copyOf(subnets);
        Map<String, List<String>> groups = new LinkedHashMap<>();
        securityGroups.forEach((region, ids) -> groups.put(region, List.copyOf(ids)));
        securityGroups = Map.copyOf(groups);
    }

    /** The subnet in {@code region}, or {@code null} for the default VPC. */
    public String subnet(String region) {
        return subnets.get(region);
    }

    /** The security groups in {@code region}; empty for the VPC's default group. */
    public List<String> securityGroups(String region) {
        return securityGroups.getOrDefault(region, List.of());
    }
}
