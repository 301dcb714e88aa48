package io.amibake.sandbox;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What one of the sandbox's accounts holds besides what a bake creates, for tests to change: IAM
 * instance profiles, the instance types each region offers, KMS keys, subnets, security groups and
 * the default VPC. Instance profiles, disabled regions and withdrawn instance types are the
 * sandbox's, shared by every account. See docs/sandbox.md.
 */
public final class SandboxAccount {

    private final Cloud cloud;
    private final String account;

    SandboxAccount(Cloud cloud) {
        this(cloud, Cloud.ACCOUNT);
    }

    SandboxAccount(Cloud cloud, String account) {
        this.cloud = cloud;
        this.account = account;
    }

    /** This account's id. */
    public String id() {
        return account;
    }

    /** The instance profiles RunInstances accepts by name or ARN; it starts with amibake's two. */
    public Set<String> instanceProfiles() {
        synchronized (cloud) {
            return Set.copyOf(cloud.instanceProfiles);
        }
    }

    public void addInstanceProfile(String name) {
        synchronized (cloud) {
            cloud.instanceProfiles.add(name);
        }
    }

    public void removeInstanceProfile(String name) {
        synchronized (cloud) {
            cloud.instanceProfiles.remove(name);
        }
    }

    /** The account is no longer opted in to the region: DescribeRegions lists it only with AllRegions. */
    public void disableRegion(String region) {
        synchronized (cloud) {
            cloud.disabledRegions.add(region);
        }
    }

    /** The region stops offering the type: DescribeInstanceTypeOfferings omits it, RunInstances refuses it. */
    public void withdrawInstanceType(String region, String instanceType) {
        synchronized (cloud) {
            cloud.region(account, region).withdrawnTypes.add(instanceType);
        }
    }

    /** A new enabled customer managed key, with the alias ({@code alias/...}) when not null; returns its key id. */
    public String createKmsKey(String region, String aliasOrNull) {
        synchronized (cloud) {
            Cloud.Region r = cloud.region(account, region);
            String id = UUID.randomUUID().toString();
            KmsApi.add(r, new Cloud.KmsKey(id, KmsApi.arn(r, "key/" + id), "created by a test", "CUSTOMER",
                    "Enabled", cloud.now()), aliasOrNull);
            return id;
        }
    }

    /** The ARN of one of this account's keys in the region. */
    public String kmsKeyArn(String region, String keyId) {
        synchronized (cloud) {
            Cloud.KmsKey key = cloud.region(account, region).kmsKeys.get(keyId);
            if (key == null) {
                throw new IllegalArgumentException("no KMS key " + keyId + " in " + region);
            }
            return key.arn();
        }
    }

    /** The key's state becomes {@code Disabled} (or another KMS key state, such as {@code PendingDeletion}). */
    public void setKmsKeyState(String region, String keyId, String state) {
        synchronized (cloud) {
            Cloud.Region r = cloud.region(account, region);
            Cloud.KmsKey k = r.kmsKeys.get(keyId);
            if (k == null) {
                throw new IllegalArgumentException("no KMS key " + keyId + " in " + region);
            }
            r.kmsKeys.put(keyId, new Cloud.KmsKey(k.id(), k.arn(), k.description(), k.keyManager(), state,
                    k.createdAt()));
        }
    }

    /** The default VPC's subnets of the region (one per availability zone), empty without a default VPC. */
    public List<String> defaultSubnets(String region) {
        synchronized (cloud) {
            Cloud.Region r = cloud.region(account, region);
            return r.subnets.values().stream().filter(s -> s.vpcId().equals(r.defaultVpcId))
                    .map(Cloud.Subnet::id).toList();
        }
    }

    /** A new subnet in the region's default VPC (or in a VPC of its own without one); returns its id. */
    public String createSubnet(String region) {
        synchronized (cloud) {
            Cloud.Region r = cloud.region(account, region);
            return Ec2Network.createSubnet(r, r.defaultVpcId != null ? r.defaultVpcId : Cloud.newId("vpc")).id();
        }
    }

    /** A new security group in the region's default VPC (or in a VPC of its own without one); returns its id. */
    public String createSecurityGroup(String region, String name) {
        synchronized (cloud) {
            Cloud.Region r = cloud.region(account, region);
            return Ec2Network.createSecurityGroup(r, name, r.defaultVpcId != null ? r.defaultVpcId
                    : Cloud.newId("vpc")).id();
        }
    }

    /** A new VPC in the region, with its own {@code default} security group as EC2 creates one; returns its id. */
    public String createVpc(String region) {
        synchronized (cloud) {
            Cloud.Region r = cloud.region(account, region);
            String vpc = Cloud.newId("vpc");
            Ec2Network.createSecurityGroup(r, "default", vpc);
            return vpc;
        }
    }

    /** A new subnet in the given VPC of the region; returns its id. */
    public String createSubnet(String region, String vpcId) {
        synchronized (cloud) {
            return Ec2Network.createSubnet(cloud.region(account, region), vpcId).id();
        }
    }

    /** A new security group in the given VPC of the region; returns its id. */
    public String createSecurityGroup(String region, String name, String vpcId) {
        synchronized (cloud) {
            return Ec2Network.createSecurityGroup(cloud.region(account, region), name, vpcId).id();
        }
    }

    /** The region's default VPC goes, with its subnets and security group, as if the account deleted it. */
    public void removeDefaultVpc(String region) {
        synchronized (cloud) {
            Ec2Network.removeDefaultVpc(cloud.region(account, region));
        }
    }
}
