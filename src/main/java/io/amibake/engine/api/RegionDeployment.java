package io.amibake.engine.api;

import java.util.List;
import java.util.Locale;

/**
 * What a bake did in one region besides copying the image, as the region's partition keeps it:
 * the copy's test in that region, the launch template version made the default, and the
 * instances deployed. What {@code status}, its JSON and the report show per region; built by
 * {@code engine.read.RegionDeployments}.
 *
 * @param test                  the copy's test in its region ({@code test.regions: all}): passed, failed,
 *                              stopped or pending; null where the copy is not tested in its region (the
 *                              source region's image is tested before distribution)
 * @param launchTemplate        the recipe's launch template, or null where the recipe deploys none here
 * @param launchTemplateVersion the version the region's template launches the image with, as its default;
 *                              null until then, or when the region stopped before it
 * @param instances             the region's deployed instances, or null where the recipe deploys none here
 * @param stoppedShort          whether the region failed or stopped: what it did not reach stays as it was
 */
public record RegionDeployment(String test, String launchTemplate, Long launchTemplateVersion,
                               Instances instances, boolean stoppedShort) {

    /**
     * The instances a region serves after the bake.
     *
     * @param count   how many the recipe asks for ({@code deploy.instances.count})
     * @param outcome what happened to them
     * @param ids     this bake's instances when deployed, the later bake's when that one's stay, the ones
     *                launched so far while deploying; empty otherwise
     */
    public record Instances(int count, Outcome outcome, List<String> ids) {

        public Instances {
            ids = List.copyOf(ids);
        }
    }

    /** What a region's deploy of instances came to. */
    public enum Outcome {
        /** This bake's instances passed their tests and serve; the earlier ones were terminated. */
        DEPLOYED,
        /** A bake that started later already serves here: this one deployed nothing. */
        LATER_BAKE,
        /** Launching or testing this bake's instances now. */
        DEPLOYING,
        /** The region failed or stopped before its new instances passed: the earlier ones still serve. */
        OLD_KEPT,
        /** The region has not reached its deploy. */
        PENDING;

        /** How JSON names it: {@code deployed}, {@code later-bake}, {@code deploying}, {@code old-kept}, ... */
        public String json() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The launch template as one short phrase: {@code web v3}, {@code web unchanged} when the region
     * failed or stopped before it, {@code web pending}; null where the recipe deploys none here.
     */
    public String templateSummary() {
        if (launchTemplate == null) {
            return null;
        }
        return launchTemplate + " " + (launchTemplateVersion != null ? "v" + launchTemplateVersion
                : stoppedShort ? "unchanged" : "pending");
    }

    /**
     * The instances as one short phrase: how many of the count serve, and which
     * ({@code 2/2 i-1, i-2}); null where the recipe deploys none here.
     */
    public String instancesSummary() {
        if (instances == null) {
            return null;
        }
        String ids = String.join(", ", instances.ids());
        String of = instances.ids().size() + "/" + instances.count();
        return switch (instances.outcome()) {
            case DEPLOYED -> of + (ids.isEmpty() ? "" : " " + ids);
            case LATER_BAKE -> "a later bake's: " + ids;
            case DEPLOYING -> of + " deploying " + ids;
            case OLD_KEPT -> of + ", the old ones kept";
            case PENDING -> of + " pending";
        };
    }
}
