package io.amibake.recipe;

import java.util.List;

/**
 * The {@code deploy} section: after the image is in a region, point that region's launch template
 * at it with a new default version.
 *
 * @param launchTemplate the launch template's name, the same in every region, or {@code null}
 * @param regions        the regions to deploy in, each one the image goes to; empty means all of them
 */
public record Deploy(String launchTemplate, List<String> regions) {

    public static final Deploy NONE = new Deploy(null, List.of());

    public Deploy {
        regions = List.copyOf(regions);
    }

    /** Whether the image is deployed in {@code region} of a recipe whose image goes to {@code imageRegions}. */
    public boolean covers(String region) {
        return launchTemplate != null && (regions.isEmpty() || regions.contains(region));
    }
}
