package io.amibake.sandbox;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * EC2's Query protocol: dispatches each action to the class that owns its resource, each reading
 * EC2's flattened form parameters and writing the XML the SDK's EC2 unmarshallers expect (lists as
 * {@code <item>}, tags as {@code tagSet}). Callers hold the monitor of the {@link Cloud}.
 */
final class Ec2Api {

    private final Ec2Instances instances;
    private final Ec2Images images;
    private final Ec2ImageAttributes imageAttributes;
    private final Ec2Snapshots snapshots;
    private final Ec2Tags tags;
    private final Ec2LaunchTemplates launchTemplates;
    private final Cloud cloud;

    Ec2Api(Cloud cloud, Faults faults) {
        this.cloud = cloud;
        this.instances = new Ec2Instances(cloud);
        this.images = new Ec2Images(cloud, faults);
        this.imageAttributes = new Ec2ImageAttributes(cloud);
        this.snapshots = new Ec2Snapshots(cloud);
        this.tags = new Ec2Tags(cloud);
        this.launchTemplates = new Ec2LaunchTemplates(cloud);
    }

    /** Whether a Describe call narrows its answer by ids or filters (it then draws from a larger bucket). */
    static boolean filteredOrById(QueryParams p) {
        return p.hasAny("InstanceId") || p.hasAny("SnapshotId") || p.hasAny("Filter") || p.hasAny("MaxResults")
                || p.hasAny("Owner");
    }

    /** Every launch template, as views; the caller holds the cloud's lock. */
    List<SandboxLaunchTemplate> launchTemplates() {
        return launchTemplates.views();
    }

    String handle(String action, Cloud.Region region, QueryParams p, String requestId) {
        Xml xml = Xml.response(action, requestId);
        switch (action) {
            case "DescribeRegions" -> describeRegions(p, xml);
            case "RunInstances" -> instances.runInstances(region, p, xml);
            case "DescribeInstances" -> instances.describeInstances(region, p, xml);
            case "StartInstances" -> instances.startInstances(region, p, xml);
            case "StopInstances" -> instances.stopInstances(region, p, xml);
            case "TerminateInstances" -> instances.terminateInstances(region, p, xml);
            case "CreateImage" -> images.createImage(region, p, xml);
            case "DescribeImages" -> images.describeImages(region, p, xml);
            case "CopyImage" -> images.copyImage(region, p, xml);
            case "DeregisterImage" -> images.deregisterImage(region, p, xml);
            case "DescribeSnapshots" -> snapshots.describeSnapshots(region, p, xml);
            case "DeleteSnapshot" -> snapshots.deleteSnapshot(region, p, xml);
            case "CreateTags" -> tags.createTags(region, p, xml);
            case "DeleteTags" -> tags.deleteTags(region, p, xml);
            case "ModifyImageAttribute" -> imageAttributes.modifyImageAttribute(region, p, xml);
            case "DescribeImageAttribute" -> imageAttributes.describeImageAttribute(region, p, xml);
            case "EnableImageDeprecation" -> imageAttributes.enableImageDeprecation(region, p, xml);
            case "EnableImageDeregistrationProtection" -> imageAttributes.deregistrationProtection(region, p, xml, true);
            case "DisableImageDeregistrationProtection" -> imageAttributes.deregistrationProtection(region, p, xml, false);
            case "CreateLaunchTemplate" -> launchTemplates.createLaunchTemplate(region, p, xml);
            case "CreateLaunchTemplateVersion" -> launchTemplates.createLaunchTemplateVersion(region, p, xml);
            case "ModifyLaunchTemplate" -> launchTemplates.modifyLaunchTemplate(region, p, xml);
            case "DescribeLaunchTemplates" -> launchTemplates.describeLaunchTemplates(region, p, xml);
            case "DescribeLaunchTemplateVersions" -> launchTemplates.describeLaunchTemplateVersions(region, p, xml);
            case "DescribeInstanceTypeOfferings" -> Ec2InstanceTypes.describeInstanceTypeOfferings(region, p, xml);
            case "DescribeSubnets" -> Ec2Network.describeSubnets(region, p, xml);
            case "DescribeSecurityGroups" -> Ec2Network.describeSecurityGroups(region, p, xml);
            default -> throw new ApiException("InvalidAction", "The action " + action + " is not valid for this web service.");
        }
        return xml.toString();
    }

    static void dryRun(QueryParams p) {
        if (p.bool("DryRun")) {
            throw new ApiException("DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
        }
    }

    /** The request's parameters minus those that do not change its meaning, for ClientToken idempotency. */
    static String fingerprint(QueryParams p) {
        return p.asMap().entrySet().stream()
                .filter(e -> !Set.of("ClientToken", "DryRun", "Version", "Action").contains(e.getKey()))
                .sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
    }

    private void describeRegions(QueryParams p, Xml xml) {
        dryRun(p);
        List<String> names = p.list("RegionName");
        for (String name : names) {
            if (!Regions.isKnown(name)) {
                throw new ApiException("InvalidParameterValue", "Invalid region name: " + name);
            }
        }
        // A region the account has not opted in to is listed only with AllRegions=true.
        Function<String, String> status = r -> cloud.disabledRegions.contains(r) ? "not-opted-in" : "opt-in-not-required";
        Map<String, Function<String, List<String>>> fields = Map.of("region-name", r -> List.of(r),
                "endpoint", r -> List.of("ec2." + r + ".amazonaws.com"), "opt-in-status", r -> List.of(status.apply(r)));
        List<QueryParams> filters = p.members("Filter");
        boolean all = p.bool("AllRegions");
        xml.open("regionInfo");
        for (String r : Regions.commercial()) {
            if ((names.isEmpty() || names.contains(r)) && (all || !cloud.disabledRegions.contains(r))
                    && Ec2Filters.matches(r, filters, fields)) {
                xml.open("item").el("regionName", r).el("regionEndpoint", "ec2." + r + ".amazonaws.com")
                        .el("optInStatus", status.apply(r)).close();
            }
        }
        xml.close();
    }
}
