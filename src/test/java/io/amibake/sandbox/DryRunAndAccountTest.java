package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.LocationType;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.ssm.SsmClient;

/** DryRun, denied actions, instance type offerings, the default VPC and KMS keys, through the real SDK. */
class DryRunAndAccountTest {

    private final SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private Sandbox sandbox;
    private Ec2Client ec2;
    private KmsClient kms;
    private String base;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withThrottling(false), clock);
        ec2 = SandboxClients.ec2NoRetry(sandbox, Region.US_EAST_1);
        kms = SandboxClients.kmsNoRetry(sandbox, Region.EU_WEST_1);
        try (SsmClient ssm = SandboxClients.ssm(sandbox, Region.US_EAST_1)) {
            base = ssm.getParameter(r -> r.name(PublicImages.AL2023_X86)).parameter().value();
        }
    }

    @AfterEach
    void stop() {
        ec2.close();
        kms.close();
        sandbox.close();
    }

    private Ec2Exception error(Runnable call) {
        try {
            call.run();
        } catch (Ec2Exception e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void aDryRunThatWouldSucceedAnswersDryRunOperationAndLaunchesNothing() {
        // when
        Ec2Exception e = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1)
                .maxCount(1).dryRun(true).iamInstanceProfile(p -> p.name("amibake-build"))));

        // then
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("DryRunOperation");
        assertThat(e.statusCode()).isEqualTo(412);
        assertThat(sandbox.instances()).isEmpty();
    }

    @Test
    void aDeniedActionAnswersUnauthorizedOperationWithOrWithoutDryRunUntilCleared() {
        // given
        sandbox.faults().deny("RunInstances", "us-east-1");

        // when
        Ec2Exception dry = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1)
                .maxCount(1).dryRun(true)));
        Ec2Exception real = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1)
                .maxCount(1)));

        // then
        assertThat(dry.awsErrorDetails().errorCode()).isEqualTo("UnauthorizedOperation");
        assertThat(dry.statusCode()).isEqualTo(403);
        assertThat(real.awsErrorDetails().errorCode()).isEqualTo("UnauthorizedOperation");
        assertThat(sandbox.instances()).isEmpty();
        sandbox.faults().clear();
        assertThat(ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1).maxCount(1))
                .instances()).hasSize(1);
    }

    @Test
    void anUnknownInstanceProfileIsInvalidEvenInADryRun() {
        // when
        Ec2Exception e = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1)
                .maxCount(1).dryRun(true).iamInstanceProfile(p -> p.name("no-such-profile"))));

        // then
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidParameterValue");
        assertThat(e.awsErrorDetails().errorMessage()).contains("Invalid IAM Instance Profile name");
    }

    @Test
    void aWithdrawnInstanceTypeIsNoLongerOfferedNorLaunched() {
        // given
        assertThat(offered("t3.small")).isTrue();
        sandbox.account().withdrawInstanceType("us-east-1", "t3.small");

        // when, then
        assertThat(offered("t3.small")).isFalse();
        assertThat(offered("t3.micro")).isTrue();
        assertThat(error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.small").minCount(1)
                .maxCount(1))).awsErrorDetails().errorCode()).isEqualTo("Unsupported");
    }

    private boolean offered(String type) {
        return !ec2.describeInstanceTypeOfferings(r -> r.locationType(LocationType.REGION)
                .filters(f -> f.name("instance-type").values(type))).instanceTypeOfferings().isEmpty();
    }

    @Test
    void everyRegionHasADefaultVpcWhoseSubnetAndGroupInstancesLandIn() {
        // when
        var subnets = ec2.describeSubnets(r -> r.filters(f -> f.name("default-for-az").values("true"))).subnets();
        var groups = ec2.describeSecurityGroups(r -> r.groupNames("default")).securityGroups();

        // then
        assertThat(subnets).hasSize(3).allSatisfy(s -> assertThat(s.vpcId()).isEqualTo(groups.get(0).vpcId()));
        String instance = ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1).maxCount(1))
                .instances().get(0).instanceId();
        clock.advance(Duration.ofMinutes(1));
        assertThat(ec2.describeInstances(r -> r.instanceIds(instance)).reservations().get(0).instances().get(0)
                .subnetId()).isEqualTo(subnets.get(0).subnetId());
        assertThat(error(() -> ec2.describeSubnets(r -> r.subnetIds("subnet-0123456789abcdef0")))
                .awsErrorDetails().errorCode()).isEqualTo("InvalidSubnetID.NotFound");
        assertThat(error(() -> ec2.describeSecurityGroups(r -> r.groupIds("sg-0123456789abcdef0")))
                .awsErrorDetails().errorCode()).isEqualTo("InvalidGroup.NotFound");
    }

    @Test
    void runInstancesRefusesASubnetOrSecurityGroupTheRegionDoesNotHaveWithOrWithoutDryRun() {
        // given a subnet and a group that exist, but in eu-west-1
        String westSubnet = sandbox.account().defaultSubnets("eu-west-1").get(0);
        String westGroup = sandbox.account().createSecurityGroup("eu-west-1", "web");

        // when
        Ec2Exception unknownSubnet = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro")
                .minCount(1).maxCount(1).subnetId("subnet-0123456789abcdef0").dryRun(true)));
        Ec2Exception otherRegionSubnet = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro")
                .minCount(1).maxCount(1).subnetId(westSubnet)));
        Ec2Exception unknownGroup = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro")
                .minCount(1).maxCount(1).securityGroupIds(westGroup).dryRun(true)));
        Ec2Exception malformedGroup = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro")
                .minCount(1).maxCount(1).securityGroupIds("web-servers")));
        Ec2Exception unknownName = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro")
                .minCount(1).maxCount(1).securityGroups("web-servers")));

        // then
        assertThat(unknownSubnet.awsErrorDetails().errorCode()).isEqualTo("InvalidSubnetID.NotFound");
        assertThat(unknownSubnet.statusCode()).isEqualTo(400);
        assertThat(unknownSubnet.awsErrorDetails().errorMessage()).contains("subnet-0123456789abcdef0");
        assertThat(otherRegionSubnet.awsErrorDetails().errorCode()).isEqualTo("InvalidSubnetID.NotFound");
        assertThat(unknownGroup.awsErrorDetails().errorCode()).isEqualTo("InvalidGroup.NotFound");
        assertThat(unknownGroup.statusCode()).isEqualTo(400);
        assertThat(malformedGroup.awsErrorDetails().errorCode()).isEqualTo("InvalidGroupId.Malformed");
        assertThat(unknownName.awsErrorDetails().errorCode()).isEqualTo("InvalidGroup.NotFound");
        assertThat(sandbox.instances()).isEmpty();
    }

    @Test
    void aSecurityGroupOfAnotherVpcThanTheSubnetsIsAnInvalidParameter() {
        // given a second VPC with a subnet and a group, beside the default VPC
        String vpc = sandbox.account().createVpc("us-east-1");
        String subnet = sandbox.account().createSubnet("us-east-1", vpc);
        String group = sandbox.account().createSecurityGroup("us-east-1", "web", vpc);
        String defaultVpcGroup = sandbox.account().createSecurityGroup("us-east-1", "build");

        // when
        Ec2Exception defaultGroupInOtherSubnet = error(() -> ec2.runInstances(r -> r.imageId(base)
                .instanceType("t3.micro").minCount(1).maxCount(1).subnetId(subnet).securityGroupIds(defaultVpcGroup)
                .dryRun(true)));
        Ec2Exception otherGroupInDefaultVpc = error(() -> ec2.runInstances(r -> r.imageId(base)
                .instanceType("t3.micro").minCount(1).maxCount(1).securityGroupIds(group)));
        Ec2Exception dryRun = error(() -> ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1)
                .maxCount(1).subnetId(subnet).securityGroupIds(group).dryRun(true)));

        // then
        assertThat(defaultGroupInOtherSubnet.awsErrorDetails().errorCode()).isEqualTo("InvalidParameter");
        assertThat(defaultGroupInOtherSubnet.statusCode()).isEqualTo(400);
        assertThat(defaultGroupInOtherSubnet.awsErrorDetails().errorMessage())
                .isEqualTo("Security group " + defaultVpcGroup + " and subnet " + subnet
                        + " belong to different networks.");
        assertThat(otherGroupInDefaultVpc.awsErrorDetails().errorCode()).isEqualTo("InvalidParameter");
        assertThat(dryRun.awsErrorDetails().errorCode()).isEqualTo("DryRunOperation");
        assertThat(sandbox.instances()).isEmpty();
    }

    @Test
    void anInstanceLandsInItsSubnetsVpcWithTheGroupsItWasGivenOrTheVpcsDefaultGroup() {
        // given
        String vpc = sandbox.account().createVpc("us-east-1");
        String subnet = sandbox.account().createSubnet("us-east-1", vpc);
        String group = sandbox.account().createSecurityGroup("us-east-1", "web", vpc);
        String defaultGroup = ec2.describeSecurityGroups(r -> r.filters(f -> f.name("vpc-id").values(vpc),
                f -> f.name("group-name").values("default"))).securityGroups().get(0).groupId();

        // when
        String withGroup = ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1).maxCount(1)
                .subnetId(subnet).securityGroupIds(group)).instances().get(0).instanceId();
        String withoutGroup = ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1).maxCount(1)
                .subnetId(subnet)).instances().get(0).instanceId();
        clock.advance(Duration.ofMinutes(1));
        var described = ec2.describeInstances(r -> r.instanceIds(withGroup, withoutGroup)).reservations().stream()
                .flatMap(r -> r.instances().stream()).toList();

        // then
        assertThat(described).allSatisfy(i -> {
            assertThat(i.subnetId()).isEqualTo(subnet);
            assertThat(i.vpcId()).isEqualTo(vpc);
        });
        assertThat(described).filteredOn(i -> i.instanceId().equals(withGroup)).singleElement()
                .satisfies(i -> assertThat(i.securityGroups()).extracting(g -> g.groupId()).containsExactly(group));
        assertThat(described).filteredOn(i -> i.instanceId().equals(withoutGroup)).singleElement()
                .satisfies(i -> assertThat(i.securityGroups()).extracting(g -> g.groupId())
                        .containsExactly(defaultGroup));
    }

    @Test
    void kmsKnowsTheDefaultEbsKeyAmibakesKeyAndTheKeysATestAddsAndNothingElse() {
        // given
        String id = sandbox.account().createKmsKey("eu-west-1", "alias/web-images");

        // when
        var ebs = kms.describeKey(r -> r.keyId("alias/aws/ebs")).keyMetadata();
        var added = kms.describeKey(r -> r.keyId("arn:aws:kms:eu-west-1:123456789012:alias/web-images"))
                .keyMetadata();

        // then
        assertThat(ebs.keyManagerAsString()).isEqualTo("AWS");
        assertThat(kms.describeKey(r -> r.keyId("alias/amibake-images")).keyMetadata().keyManagerAsString())
                .isEqualTo("CUSTOMER");
        assertThat(added.keyId()).isEqualTo(id);
        assertThat(added.keyStateAsString()).isEqualTo("Enabled");
        assertThatThrownBy(() -> kms.describeKey(r -> r.keyId("alias/missing"))).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kms.describeKey(r -> r.keyId("1234abcd-12ab-34cd-56ef-1234567890ab")))
                .isInstanceOf(NotFoundException.class);
    }
}
