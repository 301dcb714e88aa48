package io.amibake.recipe;

import java.util.List;

/**
 * The {@code deploy} section: after the image is in a region, point that region's launch template
 * at it with a new default version, and replace the region's deployed instances with ones of the
 * new image.
 *
 * @param launchTemplate the launch template's name, the same in every region, or {@code null}
 * @param regions        the regions to deploy in, each one the image goes to; empty means all of them
 * @param instances      the instances to keep running in each of those regions, or {@code null}
 */
public record Deploy(String launchTemplate, List<String> regions, DeployInstances instances) {

    public static final Deploy NONE = new Deploy(null, List.of());

    public Deploy {
        regions = List.copyOf(regions);
    }

    /** A deploy of a launch template only. */
    public Deploy(String launchTemplate, List<String> regions) {
        this(launchTemplate, regions, null);
    }

    /** Whether the launch template is deployed in {@code region} of a recipe whose image goes to {@code imageRegions}. */
    public boolean covers(String region) {
        return launchTemplate != null && inRegion(region);
    }

    /** Whether instances of the image are deployed in {@code region}. */
    public boolean deploysInstances(String region) {
        return instances != null && inRegion(region);
    }

    private boolean inRegion(String region) {
        return regions.isEmpty() || regions.contains(region);
    }
}
