package io.amibake.engine.job;

import io.amibake.cloud.Ec2Gateway;
import io.amibake.recipe.ImageSettings;
import java.time.Instant;

/**
 * Puts the recipe's image settings on an image in one region: the new image and each copy alike,
 * since EC2 copies none of them. Each call sets a state, so applying them again on a resume is
 * harmless.
 */
final class ImageSettingsApplier {

    private ImageSettingsApplier() {
    }

    /** Applies the settings; deprecation is counted from the bake's start, the same for every region. */
    static void apply(Ec2Gateway ec2, String region, String imageId, ImageSettings settings, Instant bakeStarted) {
        if (settings.imdsSupport() != null) {
            ec2.requireImdsV2(region, imageId);
        }
        if (settings.deprecateAfter() != null) {
            ec2.deprecate(region, imageId, bakeStarted.plus(settings.deprecateAfter()));
        }
        if (settings.deregistrationProtection()) {
            ec2.protectFromDeregistration(region, imageId);
        }
    }
}
