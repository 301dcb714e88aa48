package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * Several accounts in one sandbox, through the real SDK: access keys name accounts, STS assumes
 * the roles the sandbox was told to trust, each account has its own images and parameters, and an
 * image reaches another account only through launch permission (by id, organization or OU) and,
 * to be copied, its snapshots' create-volume permission and its key's policy.
 */
class AccountsTest {

    private static final String TOOLS = SandboxAccounts.DEFAULT;
    private static final String DEV = "222222222222";
    private static final String PROD = "333333333333";
    private static final String OUTSIDER = "444444444444";
    private static final String DEV_ROLE = "arn:aws:iam::" + DEV + ":role/amibake-distribute";

    private final SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private Sandbox sandbox;
    private String workloads;
    private String prodOu;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withThrottling(false), clock);
        workloads = sandbox.accounts().addOrganizationalUnit(null);
        prodOu = sandbox.accounts().addOrganizationalUnit(workloads);
        sandbox.accounts().add(DEV, workloads).add(PROD, prodOu).addOutsider(OUTSIDER);
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private static AwsCredentialsProvider keysOf(String account) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(SandboxAccounts.accessKeyOf(account), "x"));
    }

    private Ec2Client ec2(AwsCredentialsProvider credentials, Region region) {
        return Ec2Client.builder().endpointOverride(sandbox.endpoint()).region(region).credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(1))).build();
    }

    private StsClient sts(AwsCredentialsProvider credentials) {
        return StsClient.builder().endpointOverride(sandbox.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(1))).build();
    }

    /** An available image of the tools account in us-east-1, its root volume encrypted with the key. */
    private Image toolsImage(Ec2Client tools, String kmsKey) {
        String base;
        try (SsmClient ssm = SandboxClients.ssm(sandbox, Region.US_EAST_1)) {
            base = ssm.getParameter(r -> r.name(PublicImages.AL2023_X86)).parameter().value();
        }
        String instance = tools.runInstances(r -> r.imageId(base).minCount(1).maxCount(1)
                .blockDeviceMappings(b -> b.deviceName("/dev/xvda").ebs(e -> {
                    e.encrypted(true);
                    if (kmsKey != null) {
                        e.kmsKeyId(kmsKey);
                    }
                }))).instances().get(0).instanceId();
        clock.advance(Duration.ofSeconds(20));
        String image = tools.createImage(r -> r.instanceId(instance).name("web-1").noReboot(true)).imageId();
        clock.advance(Duration.ofMinutes(5));
        return tools.describeImages(r -> r.imageIds(image)).images().get(0);
    }

    private static Ec2Exception error(Runnable call) {
        try {
            call.run();
        } catch (Ec2Exception e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void anAccessKeyNamesItsAccountAndAnyOtherActsAsTheDefaultOne() {
        try (StsClient dev = sts(keysOf(DEV));
             StsClient anyone = sts(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))) {
            assertThat(dev.getCallerIdentity().account()).isEqualTo(DEV);
            assertThat(anyone.getCallerIdentity().account()).isEqualTo(TOOLS);
        }
    }

    @Test
    void aRoleIsAssumedOnlyFromAnAccountItTrustsWithTheExternalIdItAsksFor() {
        try (StsClient tools = sts(keysOf(TOOLS))) {
            // when nothing trusts the tools account
            StsException refused = (StsException) catchThrowable(() -> tools.assumeRole(r -> r.roleArn(DEV_ROLE)
                    .roleSessionName("amibake")));
            sandbox.accounts().trust(DEV_ROLE, TOOLS, "bake-2026");
            StsException wrongId = (StsException) catchThrowable(() -> tools.assumeRole(r -> r.roleArn(DEV_ROLE)
                    .roleSessionName("amibake").externalId("guess")));
            Credentials session = tools.assumeRole(r -> r.roleArn(DEV_ROLE).roleSessionName("amibake")
                    .externalId("bake-2026")).credentials();

            // then
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
            assertThat(refused.awsErrorDetails().errorMessage()).isEqualTo("User: arn:aws:iam::" + TOOLS
                    + ":user/amibake is not authorized to perform: sts:AssumeRole on resource: " + DEV_ROLE);
            assertThat(wrongId.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
            try (StsClient asRole = sts(StaticCredentialsProvider.create(AwsSessionCredentials.create(
                    session.accessKeyId(), session.secretAccessKey(), session.sessionToken())))) {
                var identity = asRole.getCallerIdentity();
                assertThat(identity.account()).isEqualTo(DEV);
                assertThat(identity.arn()).isEqualTo("arn:aws:sts::" + DEV + ":assumed-role/amibake-distribute/amibake");
            }
        }
    }

    @Test
    void aSessionExpiresOnTheSandboxClockAndIsThenRefused() {
        sandbox.accounts().trust(DEV_ROLE, TOOLS, null);
        try (StsClient tools = sts(keysOf(TOOLS))) {
            Credentials session = tools.assumeRole(r -> r.roleArn(DEV_ROLE).roleSessionName("amibake")
                    .durationSeconds(900)).credentials();
            var asRole = StaticCredentialsProvider.create(AwsSessionCredentials.create(session.accessKeyId(),
                    session.secretAccessKey(), session.sessionToken()));
            try (Ec2Client dev = ec2(asRole, Region.US_EAST_1)) {
                assertThat(dev.describeRegions().regions()).isNotEmpty();
                clock.advance(Duration.ofMinutes(15));

                assertThat(error(dev::describeRegions).awsErrorDetails().errorCode()).isEqualTo("RequestExpired");
            }
        }
    }

    @Test
    void eachAccountHasItsOwnImagesAndAShareByIdOrganizationOrOuReachesOnlyItsMembers() {
        try (Ec2Client tools = ec2(keysOf(TOOLS), Region.US_EAST_1);
             Ec2Client dev = ec2(keysOf(DEV), Region.US_EAST_1);
             Ec2Client prod = ec2(keysOf(PROD), Region.US_EAST_1);
             Ec2Client outsider = ec2(keysOf(OUTSIDER), Region.US_EAST_1)) {
            String image = toolsImage(tools, "alias/amibake-images").imageId();
            assertThat(error(() -> dev.describeImages(r -> r.imageIds(image))).awsErrorDetails().errorCode())
                    .isEqualTo("InvalidAMIID.NotFound");
            assertThat(dev.describeImages(r -> r.owners("self")).images()).isEmpty();

            // an OU share reaches the accounts of that OU and of the OUs below it
            tools.modifyImageAttribute(r -> r.imageId(image).launchPermission(p -> p.add(LaunchPermission.builder()
                    .organizationalUnitArn(sandbox.accounts().organizationalUnitArn(workloads)).build())));
            assertThat(prod.describeImages(r -> r.imageIds(image)).images()).singleElement()
                    .satisfies(i -> assertThat(i.ownerId()).isEqualTo(TOOLS));
            assertThat(dev.describeImages(r -> r.executableUsers("self")).images()).extracting(Image::imageId)
                    .contains(image);
            assertThat(error(() -> outsider.describeImages(r -> r.imageIds(image))).awsErrorDetails().errorCode())
                    .isEqualTo("InvalidAMIID.NotFound");

            // the organization's share reaches every member, never an outsider
            tools.modifyImageAttribute(r -> r.imageId(image).launchPermission(p -> p.remove(LaunchPermission.builder()
                    .organizationalUnitArn(sandbox.accounts().organizationalUnitArn(workloads)).build())));
            assertThat(error(() -> prod.describeImages(r -> r.imageIds(image))).awsErrorDetails().errorCode())
                    .isEqualTo("InvalidAMIID.NotFound");
            tools.modifyImageAttribute(r -> r.imageId(image).launchPermission(p -> p.add(LaunchPermission.builder()
                    .organizationArn(sandbox.accounts().organizationArn()).build())));
            assertThat(prod.describeImages(r -> r.imageIds(image)).images()).hasSize(1);
            assertThat(error(() -> outsider.describeImages(r -> r.imageIds(image))).awsErrorDetails().errorCode())
                    .isEqualTo("InvalidAMIID.NotFound");
            assertThat(tools.describeImageAttribute(r -> r.imageId(image).attribute("launchPermission"))
                    .launchPermissions()).extracting(LaunchPermission::organizationArn)
                    .containsExactly(sandbox.accounts().organizationArn());
            assertThat(error(() -> tools.modifyImageAttribute(r -> r.imageId(image).launchPermission(p -> p.add(
                    LaunchPermission.builder().organizationArn("o-nope").build())))).awsErrorDetails().errorCode())
                    .isEqualTo("InvalidAMIAttributeItemValue");
        }
    }

    @Test
    void aSharedImageIsCopiedOnlyWithItsSnapshotsSharedAndItsKeyUsableByTheCopyingAccount() {
        try (Ec2Client tools = ec2(keysOf(TOOLS), Region.US_EAST_1);
             Ec2Client devWest = ec2(keysOf(DEV), Region.EU_WEST_1)) {
            String cmk = sandbox.account().createKmsKey("us-east-1", "alias/shared-images");
            Image image = toolsImage(tools, "alias/shared-images");
            String snapshot = image.blockDeviceMappings().get(0).ebs().snapshotId();
            var copy = software.amazon.awssdk.services.ec2.model.CopyImageRequest.builder().sourceRegion("us-east-1")
                    .sourceImageId(image.imageId()).name("web-1").encrypted(true).clientToken("bake-1-dev-eu").build();

            // not shared: the copying account cannot see it
            assertThat(error(() -> devWest.copyImage(copy)).awsErrorDetails().errorCode())
                    .isEqualTo("InvalidAMIID.NotFound");
            tools.modifyImageAttribute(r -> r.imageId(image.imageId()).launchPermission(p -> p.add(
                    LaunchPermission.builder().userId(DEV).build())));
            // launchable, but its storage is not shared
            Ec2Exception storage = error(() -> devWest.copyImage(copy));
            assertThat(storage.awsErrorDetails().errorMessage())
                    .isEqualTo("You do not have permission to access the storage of this ami");
            tools.modifySnapshotAttribute(r -> r.snapshotId(snapshot).attribute("createVolumePermission")
                    .createVolumePermission(p -> p.add(c -> c.userId(DEV))));
            // the key's policy does not let the account in: the copy starts, then fails
            String failing = devWest.copyImage(copy).imageId();
            clock.advance(Duration.ofMinutes(2));
            Image failed = devWest.describeImages(r -> r.imageIds(failing)).images().get(0);

            sandbox.accounts().allowKeyUse(sandbox.account().kmsKeyArn("us-east-1", cmk), DEV);
            String copied = devWest.copyImage(copy.toBuilder().name("web-1b").clientToken("bake-1-dev-eu-1").build())
                    .imageId();
            clock.advance(Duration.ofMinutes(9));
            Image done = devWest.describeImages(r -> r.imageIds(copied)).images().get(0);

            // then
            assertThat(failed.stateAsString()).isEqualTo("failed");
            assertThat(failed.stateReason().message()).contains("is not usable by account " + DEV);
            assertThat(done.stateAsString()).isEqualTo("available");
            assertThat(done.ownerId()).isEqualTo(DEV);
            assertThat(done.blockDeviceMappings().get(0).ebs().kmsKeyId())
                    .startsWith("arn:aws:kms:eu-west-1:" + DEV + ":key/");
            assertThat(sandbox.images()).filteredOn(i -> i.account().equals(DEV)).extracting(SandboxImage::imageId)
                    .containsExactlyInAnyOrder(failing, copied);
        }
    }

    @Test
    void aSnapshotEncryptedWithTheAwsManagedKeyCannotBeShared() {
        try (Ec2Client tools = ec2(keysOf(TOOLS), Region.US_EAST_1)) {
            Image image = toolsImage(tools, null);
            String snapshot = image.blockDeviceMappings().get(0).ebs().snapshotId();

            Ec2Exception refused = error(() -> tools.modifySnapshotAttribute(r -> r.snapshotId(snapshot)
                    .attribute("createVolumePermission").createVolumePermission(p -> p.add(c -> c.userId(DEV)))));

            assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("OperationNotPermitted");
        }
    }

    @Test
    void requestsAreCountedPerAccount() {
        try (Ec2Client tools = ec2(keysOf(TOOLS), Region.US_EAST_1);
             Ec2Client dev = ec2(keysOf(DEV), Region.US_EAST_1)) {
            tools.describeRegions();
            dev.describeRegions();
            dev.describeRegions();

            assertThat(sandbox.stats().countIn(TOOLS, "us-east-1")).isEqualTo(1);
            assertThat(sandbox.stats().countIn(DEV, "us-east-1", "DescribeRegions")).isEqualTo(2);
            assertThat(sandbox.stats().count("DescribeRegions")).isEqualTo(3);
        }
    }

    private static Throwable catchThrowable(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }
}
