package io.amibake.cloud;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.model.InstanceType;

/**
 * The names AWS knows, as compiled into the SDK: what the recipe validator checks regions and
 * instance types against without a network call. A region or instance type newer than the SDK
 * is unknown until the SDK is upgraded.
 */
public final class AwsCatalog {

    /** The standard commercial partition; images cannot be copied across partitions. */
    static final String COMMERCIAL_PARTITION = "aws";

    /** China, GovCloud, the European Sovereign Cloud and the isolated (ISO) partitions. */
    private static final Pattern OTHER_PARTITIONS = Pattern.compile("^(cn|us-gov|eusc)-|-iso[a-z]*-");

    private AwsCatalog() {
    }

    /**
     * The regions of the standard commercial partition ({@code aws}), without the SDK's
     * {@code aws-global} pseudo-regions. China, GovCloud, the European Sovereign Cloud and the
     * isolated partitions are left out: images cannot be copied across partitions, and
     * amibake supports the commercial one.
     */
    public static Set<String> regions() {
        return Holder.REGIONS;
    }

    /** Every EC2 instance type the SDK knows, such as {@code t3.micro}. */
    public static Set<String> instanceTypes() {
        return Holder.INSTANCE_TYPES;
    }

    /** Computed once, on first use, so commands that never validate never pay for it. */
    private static final class Holder {
        static final Set<String> REGIONS = commercialRegions();
        static final Set<String> INSTANCE_TYPES = knownInstanceTypes();

        private static Set<String> commercialRegions() {
            // Other partitions by their id prefixes, not PartitionMetadata: that loads the metadata
            // of every service (300 classes, a quarter of a second), and validate must answer at
            // once. AwsCatalogTest checks this rule against PartitionMetadata.
            Set<String> ids = new TreeSet<>();
            for (Region region : Region.regions()) {
                if (!region.isGlobalRegion() && !OTHER_PARTITIONS.matcher(region.id()).find()) {
                    ids.add(region.id());
                }
            }
            return Collections.unmodifiableSet(ids);
        }

        private static Set<String> knownInstanceTypes() {
            Set<String> names = new TreeSet<>();
            for (InstanceType type : InstanceType.knownValues()) {
                names.add(type.toString());
            }
            return Collections.unmodifiableSet(names);
        }
    }
}
