package io.amibake.sandbox;

import static io.amibake.sandbox.Ec2Api.dryRun;
import static io.amibake.sandbox.Ec2Filters.byIds;
import static io.amibake.sandbox.Ec2Filters.matches;

import io.amibake.sandbox.Cloud.SecurityGroup;
import io.amibake.sandbox.Cloud.Subnet;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The network a build instance lands in: every region starts with a default VPC (172.31.0.0/16), a
 * default subnet in each of three availability zones and the VPC's {@code default} security group,
 * as a new AWS account has. Ids derive from the region, so they stay the same across restarts.
 * DescribeSubnets and DescribeSecurityGroups read them; tests add others or remove the default VPC
 * through {@link SandboxAccount}.
 */
final class Ec2Network {

    static final Pattern SUBNET_ID = Pattern.compile("subnet-[0-9a-f]{8}([0-9a-f]{9})?");
    static final Pattern GROUP_ID = Pattern.compile("sg-[0-9a-f]{8}([0-9a-f]{9})?");

    private Ec2Network() {
    }

    static Cloud.Region seed(Cloud.Region region) {
        String vpc = "vpc-0" + hash(region.name + "/vpc");
        region.defaultVpcId = vpc;
        int block = 0;
        for (String zone : List.of("a", "b", "c")) {
            String id = "subnet-0" + hash(region.name + "/subnet/" + zone);
            region.subnets.put(id, new Subnet(id, vpc, region.name + zone, "172.31." + block + ".0/20", true));
            block += 16;
        }
        String group = "sg-0" + hash(region.name + "/sg/default");
        region.securityGroups.put(group, new SecurityGroup(group, "default", "default VPC security group", vpc));
        return region;
    }

    /** The subnet an instance lands in without a SubnetId: the default VPC's first, or null without one. */
    static String defaultSubnet(Cloud.Region region) {
        return region.subnets.values().stream().filter(s -> s.defaultForAz() && s.vpcId().equals(region.defaultVpcId))
                .map(Subnet::id).findFirst().orElse(null);
    }

    /** Where RunInstances puts an instance: the subnet and the security groups it is given, as checked. */
    record Placement(Subnet subnet, List<SecurityGroup> groups) {
    }

    /**
     * Checks a launch's {@code SubnetId}, {@code SecurityGroupId.N} and {@code SecurityGroup.N} as EC2
     * does, DryRun included: an unknown subnet is {@code InvalidSubnetID.NotFound}, an unknown group
     * {@code InvalidGroup.NotFound}, a group of another VPC than the subnet's {@code InvalidParameter}.
     * Without a subnet the instance lands in the default VPC; group names are looked up there only.
     * Without groups it gets its VPC's {@code default} group.
     */
    static Placement placement(Cloud.Region region, String subnetIdOrNull, List<String> groupIds,
            List<String> groupNames) {
        Subnet subnet;
        if (subnetIdOrNull == null) {
            String fallback = defaultSubnet(region);
            if (fallback == null) {
                throw new ApiException("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported"
                        + " for EC2-Classic and default VPC.");
            }
            subnet = region.subnets.get(fallback);
        } else {
            subnet = byIds(List.of(subnetIdOrNull), new ArrayList<>(region.subnets.values()), Subnet::id, SUBNET_ID,
                    "InvalidSubnetID", "subnet ID").get(0);
        }
        List<SecurityGroup> groups = new ArrayList<>();
        for (String id : groupIds) {
            if (!GROUP_ID.matcher(id).matches()) {
                throw new ApiException("InvalidGroupId.Malformed", "Invalid id: \"" + id + "\" (expecting \"sg-...\")");
            }
            SecurityGroup group = region.securityGroups.get(id);
            if (group == null) {
                throw new ApiException("InvalidGroup.NotFound", "The security group '" + id + "' does not exist");
            }
            groups.add(group);
        }
        for (String name : groupNames) {
            groups.add(region.securityGroups.values().stream()
                    .filter(g -> g.name().equals(name) && g.vpcId().equals(region.defaultVpcId)).findFirst()
                    .orElseThrow(() -> new ApiException("InvalidGroup.NotFound", "The security group '" + name
                            + "' does not exist in default VPC '" + region.defaultVpcId + "'")));
        }
        for (SecurityGroup group : groups) {
            if (!group.vpcId().equals(subnet.vpcId())) {
                throw new ApiException("InvalidParameter", "Security group " + group.id() + " and subnet "
                        + subnet.id() + " belong to different networks.");
            }
        }
        if (groups.isEmpty()) {
            region.securityGroups.values().stream()
                    .filter(g -> g.name().equals("default") && g.vpcId().equals(subnet.vpcId())).findFirst()
                    .ifPresent(groups::add);
        }
        return new Placement(subnet, List.copyOf(groups));
    }

    static Subnet createSubnet(Cloud.Region region, String vpcId) {
        int index = region.subnets.size();
        String zone = region.name + "abc".charAt(index % 3);
        Subnet subnet = new Subnet(Cloud.newId("subnet"), vpcId, zone, "10.0." + (index * 16 % 256) + ".0/20", false);
        region.subnets.put(subnet.id(), subnet);
        return subnet;
    }

    static SecurityGroup createSecurityGroup(Cloud.Region region, String name, String vpcId) {
        SecurityGroup group = new SecurityGroup(Cloud.newId("sg"), name, name, vpcId);
        region.securityGroups.put(group.id(), group);
        return group;
    }

    /** As after DeleteVpc of the default VPC: its subnets and security group go with it. */
    static void removeDefaultVpc(Cloud.Region region) {
        String vpc = region.defaultVpcId;
        region.subnets.values().removeIf(s -> s.vpcId().equals(vpc));
        region.securityGroups.values().removeIf(g -> g.vpcId().equals(vpc));
        region.defaultVpcId = null;
    }

    static void describeSubnets(Cloud.Region region, QueryParams p, Xml xml) {
        dryRun(p);
        List<Subnet> all = new ArrayList<>(region.subnets.values());
        List<String> ids = p.list("SubnetId");
        List<Subnet> selected = ids.isEmpty() ? all : byIds(ids, all, Subnet::id, SUBNET_ID, "InvalidSubnetID",
                "subnet id");
        Map<String, Function<Subnet, List<String>>> fields = new LinkedHashMap<>();
        fields.put("subnet-id", s -> List.of(s.id()));
        fields.put("vpc-id", s -> List.of(s.vpcId()));
        fields.put("availability-zone", s -> List.of(s.availabilityZone()));
        fields.put("default-for-az", s -> List.of(String.valueOf(s.defaultForAz())));
        fields.put("state", s -> List.of("available"));
        fields.put("tag-key", s -> List.of());
        fields.put("tag-value", s -> List.of());
        List<QueryParams> filters = p.members("Filter");
        xml.open("subnetSet");
        for (Subnet s : selected) {
            if (matches(s, filters, fields)) {
                xml.open("item").el("subnetId", s.id())
                        .el("subnetArn", "arn:aws:ec2:" + region.name + ":" + region.account + ":subnet/" + s.id())
                        .el("state", "available").el("vpcId", s.vpcId()).el("cidrBlock", s.cidrBlock())
                        .el("availableIpAddressCount", 4091).el("availabilityZone", s.availabilityZone())
                        .el("defaultForAz", s.defaultForAz()).el("mapPublicIpOnLaunch", s.defaultForAz())
                        .el("ownerId", region.account).close();
            }
        }
        xml.close();
    }

    static void describeSecurityGroups(Cloud.Region region, QueryParams p, Xml xml) {
        dryRun(p);
        List<SecurityGroup> all = new ArrayList<>(region.securityGroups.values());
        List<String> ids = p.list("GroupId");
        List<SecurityGroup> selected = all;
        try {
            selected = ids.isEmpty() ? all : byIds(ids, all, SecurityGroup::id, GROUP_ID, "InvalidGroupId",
                    "security group");
        } catch (ApiException e) {
            // EC2 names a malformed id InvalidGroupId.Malformed but an unknown one InvalidGroup.NotFound.
            throw e.code().endsWith(".NotFound") ? new ApiException("InvalidGroup.NotFound", e.getMessage()) : e;
        }
        List<String> names = p.list("GroupName");
        for (String name : names) {
            // By name, EC2 looks in the default VPC only.
            if (selected.stream().noneMatch(g -> g.name().equals(name) && g.vpcId().equals(region.defaultVpcId))) {
                throw new ApiException("InvalidGroup.NotFound", "The security group '" + name
                        + "' does not exist in default VPC '" + region.defaultVpcId + "'");
            }
        }
        Map<String, Function<SecurityGroup, List<String>>> fields = new LinkedHashMap<>();
        fields.put("group-id", g -> List.of(g.id()));
        fields.put("group-name", g -> List.of(g.name()));
        fields.put("vpc-id", g -> List.of(g.vpcId()));
        fields.put("tag-key", g -> List.of());
        fields.put("tag-value", g -> List.of());
        List<QueryParams> filters = p.members("Filter");
        xml.open("securityGroupInfo");
        for (SecurityGroup g : selected) {
            if ((names.isEmpty() || names.contains(g.name()) && g.vpcId().equals(region.defaultVpcId))
                    && matches(g, filters, fields)) {
                xml.open("item").el("ownerId", region.account).el("groupId", g.id()).el("groupName", g.name())
                        .el("groupDescription", g.description()).el("vpcId", g.vpcId())
                        .el("securityGroupArn", "arn:aws:ec2:" + region.name + ":" + region.account
                                + ":security-group/" + g.id())
                        .open("ipPermissions").close()
                        .open("ipPermissionsEgress").open("item").el("ipProtocol", "-1")
                        .open("ipRanges").open("item").el("cidrIp", "0.0.0.0/0").close().close().close().close()
                        .close();
            }
        }
        xml.close();
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
