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
