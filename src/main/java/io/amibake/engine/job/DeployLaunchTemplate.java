package io.amibake.engine.job;

import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.Protections;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Image;
import io.amibake.cloud.LaunchTemplates;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Points a region's launch template at the region's new image: a new version made from the
 * default one with the new image id (client token per bake and region, so a resume re-attaches),
 * then made the default; a template that does not exist yet is created with the image (the
 * build's instance type, the bake's tags). Only as {@link Protections} allows: once the region's
 * new instances passed their tests, and never backwards (a template whose default already
 * launches an image of a later bake, or a later image for images amibake did not make, is left
 * alone).
 */
final class DeployLaunchTemplate {

    private static final String ALREADY_EXISTS = "InvalidLaunchTemplateName.AlreadyExistsException";

    private final BakeServices services;

    DeployLaunchTemplate(BakeServices services) {
        this.services = services;
    }

    /**
     * @param tested whether the region's new instances passed their tests (true when the recipe
     *               deploys none there)
     */
    void deploy(BakeState bake, String name, RegionState state, String region, boolean tested) {
        LaunchTemplates templates = new LaunchTemplates(services.clients());
        String imageId = state.imageId();
        Optional<LaunchTemplates.Version> found = templates.defaultVersion(region, name);
        String current = found.map(LaunchTemplates.Version::imageId).orElse(null);
        if (imageId.equals(current)) {
            state.launchTemplateVersion(found.get().number());
            return;
        }
        Map<String, Image> images = services.ec2().describeImages(region,
                current == null ? List.of(imageId) : List.of(imageId, current));
        Image ours = images.get(imageId);
        Optional<Protections.Why> stays = ours == null ? Optional.empty()
                : Protections.move(ours, tested, current == null ? null : images.get(current));
        if (stays.isPresent()) {
            services.events().note("distribute", region + ": launch template " + name + " stays"
                    + found.map(v -> " at version " + v.number()).orElse(" uncreated") + ": " + stays.get());
            found.ifPresent(v -> state.launchTemplateVersion(v.number()));
            return;
        }
        if (found.isEmpty()) {
            Map<String, String> tags = BakeTags.forInstance(bake.recipeName(), bake.bakeId(), bake.firstExecution());
            tags.put("Name", name);
            try {
                LaunchTemplates.Version created = templates.create(region, name, imageId,
                        bake.recipe().build().instanceType(), tags, clientToken(bake.bakeId(), region));
                state.launchTemplateVersion(created.number());
                services.events().note("distribute", region + ": created launch template " + name + " launching "
                        + imageId);
                return;
            } catch (CloudException e) {
                // Another bake deploying to the same template created it since we looked: deploy over it.
                if (!ALREADY_EXISTS.equals(e.code()) || templates.defaultVersion(region, name).isEmpty()) {
                    throw e;
                }
                deploy(bake, name, state, region, tested);
                return;
            }
        }
        LaunchTemplates.Version created = templates.createVersion(region, name, imageId, "amibake " + bake.bakeId(),
                clientToken(bake.bakeId(), region));
        templates.makeDefault(region, name, created.number());
        state.launchTemplateVersion(created.number());
        services.events().note("distribute", region + ": launch template " + name + " version " + created.number()
                + " launches " + imageId + " and is the default");
    }

    /** At most 64 characters; the same bake and region give the same token. */
    static String clientToken(String bakeId, String region) {
        String token = bakeId + "-lt-" + region;
        return token.length() <= 64 ? token : token.substring(token.length() - 64);
    }
}
