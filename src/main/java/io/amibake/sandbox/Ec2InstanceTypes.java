package io.amibake.sandbox;

import static io.amibake.sandbox.Ec2Api.dryRun;
import static io.amibake.sandbox.Ec2Filters.matches;
import static io.amibake.sandbox.Ec2Filters.page;
import static io.amibake.sandbox.Ec2Filters.pageToken;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Which instance types each region offers (DescribeInstanceTypeOfferings), a plausible subset of
 * AWS's: current general purpose, compute and memory families everywhere; the previous generation
 * (t2, m4, c4) only in regions old enough to have had it; the newest families (7th and 8th
 * generation) only in the largest regions. Tests withdraw a type from a region through
 * {@link SandboxAccount}; RunInstances then answers {@code Unsupported} for it, as EC2 does.
 */
final class Ec2InstanceTypes {

    private static final List<String> BURSTABLE_SIZES = List.of("nano", "micro", "small", "medium", "large",
            "xlarge", "2xlarge");
    private static final List<String> SIZES = List.of("large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
            "12xlarge", "16xlarge", "24xlarge");
    private static final List<String> EVERYWHERE = List.of("t3", "t3a", "t4g", "m5", "m6i", "m6g", "c5", "c6i",
            "c6g", "r5", "r6i", "r6g");
    private static final List<String> PREVIOUS = List.of("t2", "m4", "c4");
    private static final Set<String> OLD_REGIONS = Set.of("us-east-1", "us-east-2", "us-west-1", "us-west-2",
            "ca-central-1", "sa-east-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "ap-northeast-1",
            "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-south-1");
    private static final List<String> NEWEST = List.of("m7i", "c7i", "r7i", "m7g", "c7g", "r7g", "m8g", "c8g");
    private static final Set<String> LARGE_REGIONS = Set.of("us-east-1", "us-east-2", "us-west-2", "eu-west-1",
            "eu-central-1", "ap-northeast-1", "ap-southeast-2");

    private Ec2InstanceTypes() {
    }

    /** The types the region offers, sorted. */
    static Set<String> offered(Cloud.Region region) {
        Set<String> types = new TreeSet<>();
        List<String> families = new ArrayList<>(EVERYWHERE);
        if (OLD_REGIONS.contains(region.name)) {
            families.addAll(PREVIOUS);
        }
        if (LARGE_REGIONS.contains(region.name)) {
            families.addAll(NEWEST);
        }
        for (String family : families) {
            for (String size : family.startsWith("t") ? BURSTABLE_SIZES : SIZES) {
                types.add(family + "." + size);
            }
        }
        types.removeAll(region.withdrawnTypes);
        return types;
    }

    /** RunInstances' check: a type the region does not offer is refused before anything else happens. */
    static void requireOffered(Cloud.Region region, String type) {
        if (!offered(region).contains(type)) {
            throw new ApiException("Unsupported", "Your requested instance type (" + type + ") is not supported in"
                    + " your requested Availability Zone (" + region.name + "a). Please retry your request by not"
                    + " specifying an Availability Zone or choosing another one.");
        }
    }

    /** One offering per type and location: the region, or each of its availability zones. */
    record Offering(String type, String locationType, String location) {
    }

    static void describeInstanceTypeOfferings(Cloud.Region region, QueryParams p, Xml xml) {
        dryRun(p);
        String locationType = p.get("LocationType", "region");
        List<String> locations = switch (locationType) {
            case "region" -> List.of(region.name);
            case "availability-zone" -> List.of(region.name + "a", region.name + "b", region.name + "c");
            default -> throw ApiException.invalidParameter("Value (" + locationType + ") for parameter LocationType is"
                    + " invalid. Expected: 'region', 'availability-zone' or 'availability-zone-id'.");
        };
        int max = p.integer("MaxResults", 1000);
        if (max < 5 || max > 1000) {
            throw ApiException.invalidParameter("Value (" + max + ") for parameter maxResults is invalid. Expecting a"
                    + " value between 5 and 1000.");
        }
        List<Offering> all = new ArrayList<>();
        for (String type : offered(region)) {
            locations.forEach(location -> all.add(new Offering(type, locationType, location)));
        }
        Map<String, Function<Offering, List<String>>> fields = new LinkedHashMap<>();
        fields.put("instance-type", o -> List.of(o.type()));
        fields.put("location", o -> List.of(o.location()));
        List<QueryParams> filters = p.members("Filter");
        List<Offering> matching = all.stream().filter(o -> matches(o, filters, fields)).toList();
        xml.open("instanceTypeOfferingSet");
        for (Offering o : page(matching, p)) {
            xml.open("item").el("instanceType", o.type()).el("locationType", o.locationType())
                    .el("location", o.location()).close();
        }
        xml.close();
        pageToken(matching, p, xml);
    }
}
