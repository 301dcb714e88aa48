package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CopyImageRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageState;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.kms.KmsClient;

class Ec2ImagesTest {

    private static final String AL2023 = "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64";

    private final SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private Sandbox sandbox;
    private Ec2Client east;
    private Ec2Client west;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0), clock);
        east = SandboxClients.ec2NoRetry(sandbox, Region.US_EAST_1);
        west = SandboxClients.ec2NoRetry(sandbox, Region.EU_WEST_1);
    }

    @AfterEach
    void stop() {
        east.close();
        west.close();
        sandbox.close();
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }

    private String publicImage(Ec2Client ec2) {
        return ec2.describeImages(r -> r.owners("amazon").filters(Filter.builder().name("name").values(AL2023).build()))
                .images().get(0).imageId();
    }

    private String runningInstance() {
        String id = east.runInstances(r -> r.imageId(publicImage(east)).minCount(1).maxCount(1)).instances().get(0)
                .instanceId();
        clock.advance(Duration.ofSeconds(20));
        return id;
    }

    private Image image(Ec2Client ec2, String id) {
        return ec2.describeImages(r -> r.imageIds(id)).images().get(0);
    }

    private String availableImage(String name) {
        String instance = runningInstance();
        String id = east.createImage(r -> r.instanceId(instance).name(name).noReboot(true)
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.IMAGE)
                        .tags(tag("amibake:recipe", "web")).build())).imageId();
        clock.advance(Duration.ofMinutes(4));
        return id;
    }

    @Test
    void publicImagesAreSeededPerRegionWithDifferentIds() {
        // when
        Image eastImage = image(east, publicImage(east));
        Image westImage = image(west, publicImage(west));

        // then
        assertThat(eastImage.imageId()).isNotEqualTo(westImage.imageId());
        assertThat(eastImage.ownerId()).isEqualTo("137112412989");
        assertThat(eastImage.imageOwnerAlias()).isEqualTo("amazon");
        assertThat(eastImage.state()).isEqualTo(ImageState.AVAILABLE);
        assertThat(eastImage.publicLaunchPermissions()).isTrue();
        assertThat(eastImage.architectureAsString()).isEqualTo("x86_64");
        assertThat(eastImage.creationDate()).isNotBlank();
        assertThat(eastImage.blockDeviceMappings().get(0).ebs().snapshotId()).startsWith("snap-");
        assertThat(east.describeImages(r -> r.owners("099720109477")).images()).singleElement()
                .satisfies(i -> assertThat(i.name()).contains("ubuntu-noble-24.04"));
    }

    @Test
    void createImageTagsImageAndSnapshotsAndBecomesAvailableAfterTheProfileDelay() {
        // given
        String instance = runningInstance();

        // when
        String imageId = east.createImage(r -> r.instanceId(instance).name("web-2026-01-05").description("web")
                .tagSpecifications(
                        TagSpecification.builder().resourceType(ResourceType.IMAGE).tags(tag("amibake:bake", "b1")).build(),
                        TagSpecification.builder().resourceType(ResourceType.SNAPSHOT).tags(tag("amibake:bake", "b1"))
                                .build())).imageId();
        clock.advance(Duration.ofSeconds(10));
        Image pending = image(east, imageId);
        Snapshot snapshot = east.describeSnapshots(r -> r.ownerIds("self")).snapshots().get(0);
        clock.advance(Duration.ofSeconds(230));
        Image notYet = image(east, imageId);
        clock.advance(Duration.ofSeconds(30));

        // then: a running instance is rebooted first (NoReboot=false), which adds the reboot time
        assertThat(pending.state()).isEqualTo(ImageState.PENDING);
        assertThat(pending.tags()).containsExactly(tag("amibake:bake", "b1"));
        assertThat(pending.sourceInstanceId()).isEqualTo(instance);
        assertThat(snapshot.tags()).containsExactly(tag("amibake:bake", "b1"));
        assertThat(snapshot.state()).isEqualTo(SnapshotState.PENDING);
        assertThat(notYet.state()).isEqualTo(ImageState.PENDING);
        assertThat(image(east, imageId).state()).isEqualTo(ImageState.AVAILABLE);
        assertThat(east.describeSnapshots(r -> r.snapshotIds(snapshot.snapshotId())).snapshots().get(0).progress())
                .isEqualTo("100%");
        assertThat(sandbox.images()).singleElement().satisfies(i -> {
            assertThat(i.completedAt()).isEqualTo(i.createdAt().plus(Duration.ofSeconds(270)));
            assertThat(i.snapshotIds()).containsExactly(snapshot.snapshotId());
        });
    }

    @Test
    void aDuplicateNameInTheSameRegionFails() {
        // given
        availableImage("web-1");
        String instance = runningInstance();

        // when / then
        assertThatThrownBy(() -> east.createImage(r -> r.instanceId(instance).name("web-1")))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIName.Duplicate"));
        assertThatThrownBy(() -> east.createImage(r -> r.instanceId(instance).name("x")))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIName.Malformed"));
    }

    @Test
    void describeImagesFiltersByNameStateAndTags() {
        // given
        String imageId = availableImage("web-2");

        // when
        List<Image> found = east.describeImages(r -> r.owners("self").filters(
                Filter.builder().name("name").values("web-*").build(),
                Filter.builder().name("state").values("available").build(),
                Filter.builder().name("tag:amibake:recipe").values("web").build())).images();
        List<Image> none = east.describeImages(r -> r.owners("self").filters(
                Filter.builder().name("tag:amibake:recipe").values("db").build())).images();

        // then
        assertThat(found).extracting(Image::imageId).containsExactly(imageId);
        assertThat(none).isEmpty();
    }

    @Test
    void copyImageIsIdempotentPerClientTokenAndReportsSnapshotProgress() {
        // given
        String source = availableImage("web-3");
        east.createTags(r -> r.resources(source).tags(tag("team", "platform")));
        CopyImageRequest copy = CopyImageRequest.builder().sourceRegion("us-east-1").sourceImageId(source).name("web-3")
                .clientToken("bake-1-eu-west-1").encrypted(true).kmsKeyId("alias/amibake-images").copyImageTags(true)
                .build();

        // when
        String copyId = west.copyImage(copy).imageId();
        String again = west.copyImage(copy).imageId();
        clock.advance(Duration.ofMinutes(2));
        Snapshot quarter = west.describeSnapshots(r -> r.ownerIds("self")).snapshots().get(0);
        Image pending = image(west, copyId);
        clock.advance(Duration.ofMinutes(6));

        // then
        assertThat(again).isEqualTo(copyId);
        assertThat(quarter.progress()).isEqualTo("25%");
        assertThat(quarter.state()).isEqualTo(SnapshotState.PENDING);
        assertThat(quarter.encrypted()).isTrue();
        assertThat(quarter.kmsKeyId()).isEqualTo(keyArn("alias/amibake-images"));
        assertThat(pending.state()).isEqualTo(ImageState.PENDING);
        assertThat(pending.tags()).contains(tag("team", "platform"), tag("amibake:recipe", "web"));
        assertThat(image(west, copyId).state()).isEqualTo(ImageState.AVAILABLE);
        assertThat(sandbox.images()).filteredOn(i -> i.region().equals("eu-west-1")).singleElement().satisfies(i -> {
            assertThat(i.sourceRegion()).isEqualTo("us-east-1");
            assertThat(i.sourceImageId()).isEqualTo(source);
            assertThat(i.encrypted()).isTrue();
            assertThat(Duration.between(i.createdAt(), i.completedAt())).isEqualTo(Duration.ofMinutes(8));
        });
        assertThatThrownBy(() -> west.copyImage(copy.toBuilder().name("web-3-other").build()))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("IdempotentParameterMismatch"));
    }

    @Test
    void anImageIsUnknownInAnotherRegionUntilCopied() {
        // given
        String source = availableImage("web-4");

        // when / then
        assertThatThrownBy(() -> image(west, source)).isInstanceOfSatisfying(AwsServiceException.class,
                e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.NotFound"));
        assertThatThrownBy(() -> west.copyImage(r -> r.sourceRegion("eu-west-1").sourceImageId(source).name("web-4")))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.NotFound"));
    }

    @Test
    void snapshotsInUseCannotBeDeletedUntilTheImageIsDeregistered() {
        // given
        String imageId = availableImage("web-5");
        String snapshotId = image(east, imageId).blockDeviceMappings().get(0).ebs().snapshotId();

        // when / then
        assertThatThrownBy(() -> east.deleteSnapshot(r -> r.snapshotId(snapshotId)))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSnapshot.InUse"));
        east.deregisterImage(r -> r.imageId(imageId));
        assertThat(sandbox.stats().liveImages()).isZero();
        assertThat(sandbox.stats().liveSnapshots()).isEqualTo(1);
        east.deleteSnapshot(r -> r.snapshotId(snapshotId));
        assertThat(sandbox.stats().liveSnapshots()).isZero();
        assertThatThrownBy(() -> east.deleteSnapshot(r -> r.snapshotId(snapshotId)))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSnapshot.NotFound"));
        assertThatThrownBy(() -> east.deregisterImage(r -> r.imageId(imageId)))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.NotFound"));
    }

    @Test
    void launchPermissionsAreAddedRemovedAndDescribed() {
        // given
        String imageId = availableImage("web-6");

        // when
        east.modifyImageAttribute(r -> r.imageId(imageId).launchPermission(p -> p.add(
                LaunchPermission.builder().userId("111122223333").build(),
                LaunchPermission.builder().userId("444455556666").build())));
        east.modifyImageAttribute(r -> r.imageId(imageId).launchPermission(p -> p.remove(
                LaunchPermission.builder().userId("444455556666").build())));
        var attribute = east.describeImageAttribute(r -> r.imageId(imageId).attribute("launchPermission"));

        // then
        assertThat(attribute.imageId()).isEqualTo(imageId);
        assertThat(attribute.launchPermissions()).extracting(LaunchPermission::userId).containsExactly("111122223333");
        assertThat(sandbox.images().get(0).launchPermissionUserIds()).containsExactly("111122223333");
        assertThatThrownBy(() -> east.modifyImageAttribute(r -> r.imageId(imageId).launchPermission(p -> p.add(
                LaunchPermission.builder().userId("not-an-account").build()))))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIAttributeItemValue"));
    }

    @Test
    void tagsAreCreatedAndDeleted() {
        // given
        String imageId = availableImage("web-7");

        // when
        east.createTags(r -> r.resources(imageId).tags(tag("a", "1"), tag("b", "2")));
        east.deleteTags(r -> r.resources(imageId).tags(Tag.builder().key("a").build(), tag("b", "wrong")));

        // then
        assertThat(image(east, imageId).tags()).containsExactlyInAnyOrder(tag("amibake:recipe", "web"), tag("b", "2"));
        assertThatThrownBy(() -> east.createTags(r -> r.resources("ami-0123456789abcdef0").tags(tag("a", "1"))))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.NotFound"));
        assertThatThrownBy(() -> east.createTags(r -> r.resources(imageId).tags(tag("aws:x", "1"))))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidParameterValue"));
    }

    @Test
    void aFailedImageEndsFailedWithAReasonAndKeepsItsSnapshotsInError() {
        // given
        sandbox.faults().failNextImage("us-east-1");

        // when
        String imageId = availableImage("web-8");
        Image failed = image(east, imageId);

        // then
        assertThat(failed.state()).isEqualTo(ImageState.FAILED);
        assertThat(failed.stateReason().code()).isEqualTo("Server.InternalError");
        assertThat(east.describeSnapshots(r -> r.ownerIds("self")).snapshots()).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(SnapshotState.ERROR));
        assertThat(sandbox.images()).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("failed"));
    }

    private String keyArn(String alias) {
        try (KmsClient kms = SandboxClients.kmsNoRetry(sandbox, Region.EU_WEST_1)) {
            return kms.describeKey(r -> r.keyId(alias)).keyMetadata().arn();
        }
    }

    @Test
    void aCopyWithAKeyTheDestinationCannotUseIsAcceptedAndThenFailsAsAwsDocuments() {
        // given a key of the source region, a disabled key and a good key, all named to eu-west-1
        String source = availableImage("web-kms");
        String eastKey = "arn:aws:kms:us-east-1:123456789012:alias/amibake-images";
        String disabled = sandbox.account().createKmsKey("eu-west-1", "alias/old-images");
        sandbox.account().setKmsKeyState("eu-west-1", disabled, "Disabled");
        String good = sandbox.account().createKmsKey("eu-west-1", "alias/web-images");
        CopyImageRequest copy = CopyImageRequest.builder().sourceRegion("us-east-1").sourceImageId(source)
                .encrypted(true).build();

        // when
        AwsServiceException dryRun = (AwsServiceException) org.assertj.core.api.Assertions.catchThrowable(
                () -> west.copyImage(copy.toBuilder().name("dry").kmsKeyId("alias/missing").dryRun(true).build()));
        String missing = west.copyImage(copy.toBuilder().name("missing").kmsKeyId("alias/missing").build()).imageId();
        String otherRegion = west.copyImage(copy.toBuilder().name("east-key").kmsKeyId(eastKey).build()).imageId();
        String off = west.copyImage(copy.toBuilder().name("disabled").kmsKeyId(disabled).build()).imageId();
        String fine = west.copyImage(copy.toBuilder().name("fine").kmsKeyId("alias/web-images").build()).imageId();
        clock.advance(Duration.ofMinutes(2));

        // then the copies were accepted, and those whose key is not usable in eu-west-1 failed
        assertThat(dryRun.awsErrorDetails().errorCode()).isEqualTo("DryRunOperation");
        for (String failed : List.of(missing, otherRegion, off)) {
            Image image = image(west, failed);
            assertThat(image.state()).as(image.name()).isEqualTo(ImageState.FAILED);
            assertThat(image.stateReason().code()).isEqualTo("Client.InvalidKMSKey.InvalidState");
        }
        assertThat(image(west, missing).stateReason().message()).contains("alias/missing does not exist in eu-west-1");
        assertThat(image(west, off).stateReason().message()).contains("is Disabled");
        assertThat(west.describeSnapshots(r -> r.ownerIds("self")).snapshots())
                .filteredOn(s -> s.state() == SnapshotState.ERROR).hasSize(3);
        Image copied = image(west, fine);
        assertThat(copied.state()).isEqualTo(ImageState.PENDING);
        assertThat(copied.blockDeviceMappings().get(0).ebs().kmsKeyId())
                .isEqualTo("arn:aws:kms:eu-west-1:123456789012:key/" + good);
        clock.advance(Duration.ofMinutes(8));
        assertThat(image(west, fine).state()).isEqualTo(ImageState.AVAILABLE);
    }

    @Test
    void dryRunOnCreateImageAndCopyImageChangesNothing() {
        // given
        String instance = runningInstance();

        // when / then
        assertThatThrownBy(() -> east.createImage(r -> r.instanceId(instance).name("web-9").dryRun(true)))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("DryRunOperation"));
        assertThatThrownBy(() -> west.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(publicImage(east))
                .name("web-9").dryRun(true))).isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("DryRunOperation"));
        assertThat(sandbox.images()).isEmpty();
    }

    @Test
    void aDestinationRegionRefusesMoreThan100ConcurrentCopies() throws Exception {
        // given: throttling off, so that 100 CopyImage calls need not wait for CopyImage's 1/s refill
        try (Sandbox open = Sandbox.start(SandboxOptions.defaults().withPort(0).withThrottling(false), clock);
                Ec2Client openEast = SandboxClients.ec2NoRetry(open, Region.US_EAST_1);
                Ec2Client openWest = SandboxClients.ec2NoRetry(open, Region.EU_WEST_1)) {
            String source = publicImage(openEast);
            for (int i = 0; i < 100; i++) {
                int n = i;
                openWest.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(source).name("copy-" + n));
            }

            // when / then
            assertThatThrownBy(() -> openWest.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(source)
                    .name("copy-101"))).isInstanceOfSatisfying(AwsServiceException.class,
                            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ResourceLimitExceeded"));
            clock.advance(Duration.ofMinutes(8));
            openWest.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(source).name("copy-101"));
        }
    }

    @Test
    void everyFieldTheSandboxWritesIsUnmarshalledBySdk() {
        // given: an unmarshalling mismatch would surface as a null, never as an error
        String source = availableImage("web-fields");
        String copyId = west.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(source).name("web-fields"))
                .imageId();
        clock.advance(Duration.ofMinutes(8));

        // when
        Image copy = image(west, copyId);
        Snapshot snapshot = west.describeSnapshots(r -> r.ownerIds("self")).snapshots().get(0);
        var instance = east.describeInstances().reservations().get(0).instances().get(0);

        // then
        assertThat(copy).satisfies(i -> {
            assertThat(i.sourceImageId()).isEqualTo(source);
            assertThat(i.sourceImageRegion()).isEqualTo("us-east-1");
            assertThat(i.imageLocation()).isEqualTo("123456789012/web-fields");
            assertThat(i.imageTypeAsString()).isEqualTo("machine");
            assertThat(i.rootDeviceTypeAsString()).isEqualTo("ebs");
            assertThat(i.rootDeviceName()).isEqualTo("/dev/xvda");
            assertThat(i.virtualizationTypeAsString()).isEqualTo("hvm");
            assertThat(i.hypervisorAsString()).isEqualTo("xen");
            assertThat(i.enaSupport()).isTrue();
            assertThat(i.sriovNetSupport()).isEqualTo("simple");
            assertThat(i.platformDetails()).isEqualTo("Linux/UNIX");
            assertThat(i.usageOperation()).isEqualTo("RunInstances");
            assertThat(i.bootModeAsString()).isEqualTo("uefi-preferred");
            assertThat(i.deregistrationProtection()).isEqualTo("disabled");
            assertThat(i.blockDeviceMappings().get(0).ebs().volumeTypeAsString()).isEqualTo("gp3");
            assertThat(i.blockDeviceMappings().get(0).ebs().volumeSize()).isEqualTo(8);
            assertThat(i.blockDeviceMappings().get(0).ebs().deleteOnTermination()).isTrue();
            assertThat(i.blockDeviceMappings().get(0).ebs().encrypted()).isFalse();
        });
        assertThat(image(east, publicImage(east)).imdsSupportAsString()).isEqualTo("v2.0");
        assertThat(snapshot).satisfies(s -> {
            assertThat(s.startTime()).isNotNull();
            assertThat(s.completionTime()).isNotNull();
            assertThat(s.storageTierAsString()).isEqualTo("standard");
            assertThat(s.volumeId()).startsWith("vol-");
            assertThat(s.volumeSize()).isEqualTo(8);
            assertThat(s.description()).contains(copyId, source);
            assertThat(s.ownerId()).isEqualTo("123456789012");
        });
        assertThat(instance).satisfies(i -> {
            assertThat(i.privateDnsName()).endsWith(".us-east-1.compute.internal");
            assertThat(i.privateIpAddress()).startsWith("10.0.");
            assertThat(i.subnetId()).startsWith("subnet-");
            assertThat(i.vpcId()).startsWith("vpc-");
            assertThat(i.securityGroups()).singleElement().satisfies(g -> assertThat(g.groupId()).startsWith("sg-"));
            assertThat(i.architectureAsString()).isEqualTo("x86_64");
            assertThat(i.rootDeviceName()).isEqualTo("/dev/xvda");
            assertThat(i.rootDeviceTypeAsString()).isEqualTo("ebs");
            assertThat(i.hypervisorAsString()).isEqualTo("xen");
            assertThat(i.virtualizationTypeAsString()).isEqualTo("hvm");
            assertThat(i.ebsOptimized()).isFalse();
            assertThat(i.enaSupport()).isTrue();
            assertThat(i.amiLaunchIndex()).isZero();
            assertThat(i.monitoring().stateAsString()).isEqualTo("disabled");
            assertThat(i.sourceDestCheck()).isTrue();
            assertThat(i.platformDetails()).isEqualTo("Linux/UNIX");
            assertThat(i.metadataOptions().httpEndpointAsString()).isEqualTo("enabled");
            assertThat(i.metadataOptions().httpPutResponseHopLimit()).isEqualTo(2);
            assertThat(i.metadataOptions().stateAsString()).isEqualTo("applied");
        });
    }

    @Test
    void aPendingCopyCanBeSentToFailedMidway() {
        // given
        String source = availableImage("web-10");
        String copyId = west.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(source).name("web-10")).imageId();
        clock.advance(Duration.ofMinutes(3));

        // when
        sandbox.faults().failImage(copyId);

        // then
        assertThat(image(west, copyId).state()).isEqualTo(ImageState.FAILED);
        assertThat(image(east, source).state()).isEqualTo(ImageState.AVAILABLE);
        assertThat(west.describeSnapshots(r -> r.ownerIds("self")).snapshots()).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(SnapshotState.ERROR));
        assertThat(sandbox.images()).filteredOn(i -> i.imageId().equals(copyId)).singleElement()
                .satisfies(i -> assertThat(i.completedAt()).isEqualTo(i.createdAt().plus(Duration.ofMinutes(3))));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> sandbox.faults().failImage(source));
    }

    @Test
    void aPendingImageCanBeNeitherSharedNorLaunchedNorCopied() {
        // given
        String instance = runningInstance();
        String imageId = east.createImage(r -> r.instanceId(instance).name("web-11")).imageId();
        clock.advance(Duration.ofSeconds(10));

        // when / then
        assertThatThrownBy(() -> east.modifyImageAttribute(r -> r.imageId(imageId).launchPermission(p -> p.add(
                LaunchPermission.builder().userId("111122223333").build()))))
                .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.Unavailable");
                    assertThat(e.awsErrorDetails().errorMessage()).contains("currently pending");
                });
        assertThatThrownBy(() -> east.runInstances(r -> r.imageId(imageId).minCount(1).maxCount(1)))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.Unavailable"));
        assertThatThrownBy(() -> west.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(imageId).name("web-11")))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.Unavailable"));
    }

    @Test
    void anImageConsistencyDelayMakesANewImageNotFoundForAWhile() throws Exception {
        // given
        LatencyProfile laggy = LatencyProfile.aws().with("image-consistency-delay", Duration.ofSeconds(2));
        try (Sandbox lagging = Sandbox.start(SandboxOptions.defaults().withPort(0).withProfile(laggy), clock);
                Ec2Client ec2 = SandboxClients.ec2NoRetry(lagging, Region.US_EAST_1)) {
            String instance = ec2.runInstances(r -> r.imageId(publicImage(ec2)).minCount(1).maxCount(1)).instances()
                    .get(0).instanceId();
            clock.advance(Duration.ofSeconds(20));

            // when
            String imageId = ec2.createImage(r -> r.instanceId(instance).name("web-12")).imageId();

            // then
            assertThatThrownBy(() -> image(ec2, imageId)).isInstanceOfSatisfying(AwsServiceException.class,
                    e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.NotFound"));
            assertThatThrownBy(() -> ec2.createImage(r -> r.instanceId(instance).name("web-12")))
                    .isInstanceOfSatisfying(AwsServiceException.class,
                            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIName.Duplicate"));
            clock.advance(Duration.ofSeconds(2));
            assertThat(image(ec2, imageId).state()).isEqualTo(ImageState.PENDING);
        }
    }

    @Test
    void aTimeBasedCopyTakesTheDurationAskedFor() {
        // given
        String source = availableImage("web-13");

        // when
        String copyId = west.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(source).name("web-13")
                .snapshotCopyCompletionDurationMinutes(30L)).imageId();
        clock.advance(Duration.ofMinutes(29));
        ImageState before = image(west, copyId).state();
        clock.advance(Duration.ofMinutes(1));

        // then
        assertThat(before).isEqualTo(ImageState.PENDING);
        assertThat(image(west, copyId).state()).isEqualTo(ImageState.AVAILABLE);
        assertThatThrownBy(() -> west.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(source).name("web-13b")
                .snapshotCopyCompletionDurationMinutes(20L))).isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidParameterValue"));
    }

    @Test
    void aDeregisteredImageIsListedBrieflyAndKeepsItsNameForAWhile() {
        // given
        String imageId = availableImage("web-20");

        // when
        east.deregisterImage(r -> r.imageId(imageId));

        // then it is listed as deregistered, its name is refused, then both pass
        assertThat(image(east, imageId).state()).isEqualTo(ImageState.DEREGISTERED);
        assertThatThrownBy(() -> east.deregisterImage(r -> r.imageId(imageId)))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.NotFound"));
        String instance = runningInstance();
        assertThatThrownBy(() -> east.createImage(r -> r.instanceId(instance).name("web-20")))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIName.Duplicate"));
        clock.advance(Duration.ofMinutes(2));
        assertThat(east.describeImages(r -> r.owners("self")).images()).extracting(Image::imageId)
                .doesNotContain(imageId);
        assertThat(east.createImage(r -> r.instanceId(instance).name("web-20")).imageId()).startsWith("ami-");
    }

    @Test
    void aNewImageIsNotFoundForTheDefaultConsistencyDelayWhileItsNameIsTaken() {
        // given
        String instance = runningInstance();

        // when
        String imageId = east.createImage(r -> r.instanceId(instance).name("web-21")).imageId();

        // then
        assertThatThrownBy(() -> image(east, imageId)).isInstanceOfSatisfying(AwsServiceException.class,
                e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.NotFound"));
        assertThat(east.describeImages(r -> r.owners("self")
                .filters(Filter.builder().name("name").values("web-21").build())).images()).isEmpty();
        assertThatThrownBy(() -> east.createImage(r -> r.instanceId(instance).name("web-21")))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIName.Duplicate"));
        clock.advance(Duration.ofSeconds(10));
        assertThat(image(east, imageId).state()).isEqualTo(ImageState.PENDING);
    }

    @Test
    void aSeededSandboxDrawsEachImagesConsistencyDelayAtRandom() throws Exception {
        // given two sandboxes with the same seed
        List<List<Boolean>> runs = new java.util.ArrayList<>();
        for (int run = 0; run < 2; run++) {
            SandboxClock.Manual own = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
            try (Sandbox seeded = Sandbox.start(SandboxOptions.defaults().withPort(0).withRandomDelays(42), own);
                    Ec2Client ec2 = SandboxClients.ec2NoRetry(seeded, Region.US_EAST_1)) {
                String source = publicImage(ec2);
                List<String> copies = new java.util.ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    int n = i;
                    copies.add(ec2.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(source).name("c-" + n))
                            .imageId());
                }
                // when the default delay has passed (each is drawn from 0 to twice that)
                own.advance(Duration.ofSeconds(10));
                List<Boolean> visible = new java.util.ArrayList<>();
                for (String copy : copies) {
                    visible.add(!ec2.describeImages(r -> r.owners("self").filters(Filter.builder().name("image-id")
                            .values(copy).build())).images().isEmpty());
                }
                runs.add(visible);
            }
        }

        // then some copies are visible and some not, the same ones both times
        assertThat(runs.get(0)).contains(true, false).isEqualTo(runs.get(1));
    }
}
