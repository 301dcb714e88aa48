package io.amibake.sandbox;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;

/** The commercial regions the AWS SDK knows: the only regions the sandbox answers in. */
final class Regions {

    private static final Pattern COMMERCIAL = Pattern.compile("(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\\d+");
    private static final Set<String> KNOWN = load();

    private Regions() {
    }

    static boolean isKnown(String region) {
        return KNOWN.contains(region);
    }

    static List<String> commercial() {
        return List.copyOf(KNOWN);
    }

    private static Set<String> load() {
        Set<String> names = new TreeSet<>();
        for (Region region : Region.regions()) {
            if (region.isGlobalRegion()) {
                continue;
            }
            RegionMetadata metadata = region.metadata();
            boolean commercial = metadata != null ? "aws".equals(metadata.partition().id())
                    : COMMERCIAL.matcher(region.id()).matches();
            if (commercial && !region.id().contains("gov") && !region.id().startsWith("cn-")) {
                names.add(region.id());
            }
        }
        return names;
    }
}
