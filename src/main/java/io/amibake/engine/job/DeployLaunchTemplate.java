package io.amibake.engine.job;

import io.amibake.cloud.BakeTags;
import io.amibake.engine.state.BakeIds;
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
 * build's instance type, the bake's tags). Never backwards: a template whose default already launches an image of
 * a later bake (or a later image, for images amibake did not make) is left alone.
 */
final class DeployLaunchTemplate {

    private static final String ALREADY_EXISTS = "InvalidLaunchTemplateName.AlreadyExistsException";

    private final BakeServices services;

    DeployLaunchTemplate(BakeServices services) {
        this.services = services;
    }

    void deploy(BakeState bake, String name, RegionState state, String region) {
        LaunchTemplates templates = new LaunchTemplates(services.clients());
        String imageId = state.imageId();
        Optional<LaunchTemplates.Version> found = templates.defaultVersion(region, name);
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
                found = ALREADY_EXISTS.equals(e.code()) ? templates.defaultVersion(region, name) : Optional.empty();
                if (found.isEmpty()) {
                    throw e;
                }
            }
        }
        LaunchTemplates.Version current = found.get();
        if (imageId.equals(current.imageId())) {
            state.launchTemplateVersion(current.number());
            return;
        }
        if (current.imageId() != null && isNewer(region, current.imageId(), imageId)) {
            services.events().note("distribute", region + ": launch template " + name + " stays at version "
                    + current.number() + ": it launches " + current.imageId() + ", newer than " + imageId);
            state.launchTemplateVersion(current.number());
            return;
        }
        LaunchTemplates.Version created = templates.createVersion(region, name, imageId, "amibake " + bake.bakeId(),
                clientToken(bake.bakeId(), region));
        templates.makeDefault(region, name, created.number());
        state.launchTemplateVersion(created.number());
        services.events().note("distribute", region + ": launch template " + name + " version " + created.number()
                + " launches " + imageId + " and is the default");
    }

    /** Whether {@code other} is of a later bake than {@code ours}; an image gone is not. */
    private boolean isNewer(String region, String other, String ours) {
        Map<String, Image> images = services.ec2().describeImages(region, List.of(other, ours));
        Image theirs = images.get(other);
        Image mine = images.get(ours);
        if (theirs == null || mine == null) {
            return false;
        }
        String theirBake = theirs.tags().get(BakeTags.BAKE);
        String myBake = mine.tags().get(BakeTags.BAKE);
        if (BakeIds.startedAt(theirBake).isPresent() && BakeIds.startedAt(myBake).isPresent()) {
            return BakeIds.startedLater(theirBake, myBake);
        }
        return theirs.creationDate() != null && mine.creationDate() != null
                && theirs.creationDate().compareTo(mine.creationDate()) > 0;
    }

    /** At most 64 characters; the same bake and region give the same token. */
    static String clientToken(String bakeId, String region) {
        String token = bakeId + "-lt-" + region;
        return token.length() <= 64 ? token : token.substring(token.length() - 64);
    }
}
