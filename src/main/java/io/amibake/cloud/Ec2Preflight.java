package io.amibake.cloud;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;

/**
 * What {@code amibake plan} asks EC2 before a bake spends anything: whether the account offers
 * what the recipe names (instance types, subnets, security groups), and, with {@code DryRun},
 * whether the bake's RunInstances and CopyImage would be allowed. Nothing here creates a resource.
 * There is no CreateImage dry run: EC2 authorizes CreateImage against the instance, which does not
 * exist before the bake, and AWS does not document what a dry run naming a missing one answers.
 */
public final class Ec2Preflight {

    private final AwsClients clients;

    public Ec2Preflight(AwsClients clients) {
        this.clients = clients;
    }

    /** Whether the region offers the instance type (DescribeInstanceTypeOfferings, by region). */
    public boolean offersInstanceType(String region, String instanceType) {
        return !Ec2Gateway.call(() -> ec2(region).describeInstanceTypeOfferings(r -> r.locationType("region").filters(
                Filter.builder().name("instance-type").values(instanceType).build()))).instanceTypeOfferings().isEmpty();
    }

    /** The VPC of each given subnet that exists in the region; an unknown id is absent from the map. */
    public Map<String, String> subnetVpcs(String region, Collection<String> subnetIds) {
        return vpcsOf(subnetIds, "InvalidSubnetID.NotFound", (id, found) -> ec2(region)
                .describeSubnets(r -> r.subnetIds(id)).subnets().forEach(s -> found.put(s.subnetId(), s.vpcId())));
    }

    /** Whether the region has a default VPC (a default subnet), where an instance without a subnet lands. */
    public boolean hasDefaultVpc(String region) {
        return !Ec2Gateway.call(() -> ec2(region).describeSubnets(r -> r.filters(Filter.builder().name("default-for-az")
                .values("true").build()))).subnets().isEmpty();
    }

    /** The VPC of each given security group that exists in the region; an unknown id is absent from the map. */
    public Map<String, String> securityGroupVpcs(String region, Collection<String> groupIds) {
        return vpcsOf(groupIds, "InvalidGroup.NotFound", (id, found) -> ec2(region)
                .describeSecurityGroups(r -> r.groupIds(id)).securityGroups()
                .forEach(g -> found.put(g.groupId(), g.vpcId())));
    }

    /** Asks for each id alone: one unknown id fails a whole Describe call, and the others must still answer. */
    private static Map<String, String> vpcsOf(Collection<String> ids, String notFound,
                                              java.util.function.BiConsumer<String, Map<String, String>> describe) {
        Map<String, String> found = new HashMap<>();
        for (String id : ids) {
            try {
                describe.accept(id, found);
            } catch (AwsServiceException e) {
                if (!notFound.equals(Ec2Gateway.code(e))) {
                    throw Ec2Gateway.translate(e);
                }
            } catch (SdkException e) {
                throw Ec2Gateway.translate(e);
            }
        }
        return found;
    }

    /** Asks EC2 whether this launch would be allowed, with DryRun: nothing is launched. */
    public DryRun dryRunLaunch(String region, LaunchRequest request) {
        return dryRun("RunInstances", region, () -> ec2(region).runInstances(Ec2Gateway.runInstancesRequest(request).toBuilder()
                .clientToken(null).dryRun(true).build()));
    }

    /** Asks EC2 in the destination region whether this copy would be allowed, with DryRun: nothing is copied. */
    public DryRun dryRunCopyImage(String region, CopyRequest request) {
        return dryRun("CopyImage", region, () -> ec2(region).copyImage(Ec2Gateway.copyImageRequest(request).toBuilder()
                .clientToken(null).dryRun(true).build()));
    }

    private static DryRun dryRun(String action, String region, Supplier<?> call) {
        try {
            call.get();
        } catch (AwsServiceException e) {
            String message = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
            return new DryRun(action, region, "DryRunOperation".equals(Ec2Gateway.code(e)), Ec2Gateway.code(e), message);
        } catch (SdkException e) {
            throw Ec2Gateway.translate(e);
        }
        throw new CloudException("DryRunIgnored", action + " in " + region + " answered a DryRun request with success:"
                + " the endpoint does not honour DryRun, and may have acted");
    }

    private Ec2Client ec2(String region) {
        return clients.ec2(region);
    }
}
