package io.amibake.engine.api;

import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.cloud.BakeTags;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What names or runs images in one region, read from the cloud at one moment, for
 * {@link Protections} to judge: the values of the SSM parameters bakes wrote (every name an image
 * records in its {@value BakeTags#PARAMETER} tag, plus any the caller adds), every launch template
 * with its versions, the instances launched from the images, and per recipe the newest image
 * that passed its tests and was published in the region.
 *
 * @param parameters   parameter name to the image id it holds, for those that exist
 * @param templates    every launch template of the region
 * @param instances    image id to the instances launched from it that are not terminated
 * @param newestPassed recipe to its newest available image published in the region
 *                     ({@code amibake:published}) that did not fail its tests since
 */
public record RegionUse(String region, Map<String, String> parameters, List<LaunchTemplates.Template> templates,
                        Map<String, List<String>> instances, Map<String, String> newestPassed) {

    public RegionUse {
        parameters = Map.copyOf(parameters);
        templates = List.copyOf(templates);
        instances = Map.copyOf(instances);
        newestPassed = Map.copyOf(newestPassed);
    }

    /**
     * Reads the region's use of {@code images}: their recorded parameter names and
     * {@code moreParameterNames} are looked up, every template is listed, and the instances
     * launched from any of them are found.
     */
    public static RegionUse read(Ec2Gateway ec2, SsmGateway ssm, LaunchTemplates templates, String region,
                                 Collection<Image> images, Collection<String> moreParameterNames) {
        Set<String> names = new TreeSet<>(moreParameterNames);
        images.forEach(i -> {
            String recorded = i.tags().get(BakeTags.PARAMETER);
            if (recorded != null) {
                names.add(recorded);
            }
        });
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String name : names) {
            ssm.findParameter(region, name).ifPresent(value -> parameters.put(name, value));
        }
        Map<String, String> newest = new HashMap<>();
        images.stream().filter(i -> i.isAvailable() && i.tags().containsKey(BakeTags.PUBLISHED)
                        && !"failed".equals(i.tags().get(BakeTags.TEST)) && i.tags().get(BakeTags.RECIPE) != null)
                .sorted(Comparator.comparing(RegionUse::created).reversed())
                .forEach(i -> newest.putIfAbsent(i.tags().get(BakeTags.RECIPE), i.id()));
        return new RegionUse(region, parameters, templates.all(region),
                ec2.instancesUsing(region, images.stream().map(Image::id).toList()), newest);
    }

    /** This use without the given instances: what it will be once they are terminated. */
    public RegionUse without(Set<String> instanceIds) {
        Map<String, List<String>> left = new HashMap<>();
        instances.forEach((image, users) -> {
            List<String> still = users.stream().filter(i -> !instanceIds.contains(i)).toList();
            if (!still.isEmpty()) {
                left.put(image, still);
            }
        });
        return new RegionUse(region, parameters, templates, left, newestPassed);
    }

    /** An image's creation date as EC2 writes it (ISO 8601, so it sorts as text); empty when unknown. */
    public static String created(Image image) {
        return image.creationDate() == null ? "" : image.creationDate();
    }
}
