package io.amibake.engine.api;

import java.util.List;

/**
 * One region of a bake: its image, or why it has none.
 *
 * @param status                {@code available}, {@code failed}, {@code in progress} or {@code not started}
 * @param imageId               the region's image (the source region's is the bake's own), or null
 * @param launchTemplateVersion the version of the recipe's launch template that launches it, or null
 * @param instances             the deployed instances of the image, or null when the region deploys none
 * @param error                 why the region failed, or null
 */
public record RegionView(String region, String status, String imageId, List<String> snapshotIds,
                         Long launchTemplateVersion, List<String> instances, String error) {

    public RegionView {
        snapshotIds = List.copyOf(snapshotIds);
        instances = instances == null ? null : List.copyOf(instances);
    }
}
