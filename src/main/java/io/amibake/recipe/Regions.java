package io.amibake.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the image goes once it is available in the source region.
 *
 * @param targets      regions to copy the image to; the source region is always included
 * @param encrypted    whether copies are encrypted
 * @param kmsKeys      a KMS key id or ARN per region, for encrypted copies
 * @param shareWith    12-digit account ids, organization ARNs and OU ARNs given launch permission
 *                     in every region of the build account
 * @param ssmParameter a template naming the SSM parameter that receives the new image id in
 *                     each region, or {@code null}
 */
public record Regions(
        List<String> targets,
        boolean encrypted,
        Map<String, String> kmsKeys,
        List<String> shareWith,
        String ssmParameter) {

    public Regions {
        targets = List.copyOf(targets == null ? List.of() : targets);
        kmsKeys = Map.copyOf(kmsKeys == null ? Map.of() : kmsKeys);
        shareWith = List.copyOf(shareWith == null ? List.of() : shareWith);
    }

    /**
     * Every region the image ends up in: {@code sourceRegion} first, then the targets other
     * than it, in the recipe's order.
     */
    public List<String> including(String sourceRegion) {
        List<String> all = new ArrayList<>();
        all.add(sourceRegion);
        targets.stream().filter(region -> !region.equals(sourceRegion)).forEach(all::add);
        return List.copyOf(all);
    }

    public static Regions sourceOnly() {
        return new Regions(List.of(), false, Map.of(), List.of(), null);
    }
}
