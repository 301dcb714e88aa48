package io.amibake.cloud;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.CreateImageRequest;
import software.amazon.awssdk.services.ec2.model.DescribeImagesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.ImageState;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataOptionsRequest;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.ShutdownBehavior;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * EC2, in amibake's terms. Every call names its region; clients come from {@link AwsClients}.
 * Failures surface as {@link CloudException} with EC2's error code.
 */
public final class Ec2Gateway {

    private final AwsClients clients;

    public Ec2Gateway(AwsClients clients) {
        this.clients = clients;
    }

    /** Launches one build instance; the client token makes a repeated call return the same one. */
    public Instance launch(String region, LaunchRequest request) {
        var response = call(() -> ec2(region).runInstances(runInstancesRequest(request)));
        var instance = response.instances().get(0);
        return new Instance(instance.instanceId(), instance.state().nameAsString());
    }

    static RunInstancesRequest runInstancesRequest(LaunchRequest request) {
        var root = BlockDeviceMapping.builder().deviceName(request.rootDevice())
                .ebs(ebs -> {
                    ebs.encrypted(true).deleteOnTermination(true).volumeType("gp3");
                    if (request.kmsKeyId() != null) {
                        ebs.kmsKeyId(request.kmsKeyId());
                    }
                    if (request.volumeSize() > 0) {
                        ebs.volumeSize(request.volumeSize());
                    }
                }).build();
        var builder = RunInstancesRequest.builder()
                .imageId(request.imageId())
                .instanceType(request.instanceType())
                .minCount(1).maxCount(1)
                .clientToken(request.clientToken())
                .blockDeviceMappings(root)
                .metadataOptions(InstanceMetadataOptionsRequest.builder().httpTokens(HttpTokensState.REQUIRED).build())
                // A build instance that is shut down from inside ends itself: nothing lingers.
                .instanceInitiatedShutdownBehavior(ShutdownBehavior.TERMINATE)
                .tagSpecifications(tagSpec(ResourceType.INSTANCE, request.tags()),
                        tagSpec(ResourceType.VOLUME, request.tags()));
        if (request.subnet() != null) {
            builder.subnetId(request.subnet());
        }
        if (!request.securityGroups().isEmpty()) {
            builder.securityGroupIds(request.securityGroups());
        }
        if (request.instanceProfile() != null) {
            builder.iamInstanceProfile(p -> p.name(request.instanceProfile()));
        }
        return builder.build();
    }

    /** The state of each given instance; an id EC2 no longer knows is absent from the map. */
    public Map<String, Instance> describeInstances(String region, Collection<String> ids) {
        Map<String, Instance> found = new HashMap<>();
        try {
            ec2(region).describeInstancesPaginator(DescribeInstancesRequest.builder().instanceIds(ids).build())
                    .reservations().stream()
                    .flatMap(r -> r.instances().stream())
                    .forEach(i -> found.put(i.instanceId(), new Instance(i.instanceId(), i.state().nameAsString())));
        } catch (AwsServiceException e) {
            if (!"InvalidInstanceID.NotFound".equals(code(e))) {
                throw translate(e);
            }
            // One unknown id fails the whole call (one just launched, not yet described): a
            // filter on the ids lists those EC2 knows, without failing (docs/aws.md).
            if (ids.size() > 1) {
                var known = DescribeInstancesRequest.builder()
                        .filters(Filter.builder().name("instance-id").values(ids).build()).build();
                call(() -> ec2(region).describeInstancesPaginator(known).reservations().stream()
                        .flatMap(r -> r.instances().stream()).toList())
                        .forEach(i -> found.put(i.instanceId(), new Instance(i.instanceId(), i.state().nameAsString())));
            }
        } catch (SdkException e) {
            throw translate(e);
        }
        return found;
    }

    /** Build instances carrying the tag, in any state but terminated. */
    public List<Instance> findInstancesByTag(String region, String key, String value) {
        var request = DescribeInstancesRequest.builder().filters(
                Filter.builder().name("tag:" + key).values(value).build(),
                Filter.builder().name("instance-state-name")
                        .values("pending", "running", "stopping", "stopped", "shutting-down").build())
                .build();
        return call(() -> ec2(region).describeInstancesPaginator(request).reservations().stream()
                .flatMap(r -> r.instances().stream())
                .map(i -> new Instance(i.instanceId(), i.state().nameAsString()))
                .toList());
    }

    /** Instances that carry every one of the tags, in any state but terminated, with all their tags. */
    public List<Tagged> findInstances(String region, Map<String, String> tags) {
        List<Filter> filters = new ArrayList<>();
        tags.forEach((key, value) -> filters.add(Filter.builder().name("tag:" + key).values(value).build()));
        filters.add(Filter.builder().name("instance-state-name")
                .values("pending", "running", "stopping", "stopped", "shutting-down").build());
        var request = DescribeInstancesRequest.builder().filters(filters).build();
        return call(() -> ec2(region).describeInstancesPaginator(request).reservations().stream()
                .flatMap(r -> r.instances().stream())
                .map(i -> new Tagged("instance", i.instanceId(), i.state().nameAsString(), tagMap(i.tags()), List.of()))
                .toList());
    }

    public void start(String region, String instanceId) {
        call(() -> ec2(region).startInstances(r -> r.instanceIds(instanceId)));
    }

    /** Stops the instance; returns it in the state EC2 answered with (stopping, or stopped when it already was). */
    public Instance stop(String region, String instanceId) {
        var changes = call(() -> ec2(region).stopInstances(r -> r.instanceIds(instanceId))).stoppingInstances();
        return new Instance(instanceId, changes.isEmpty() ? null : changes.get(0).currentState().nameAsString());
    }

    /** Terminates the instance; returns it in the state EC2 answered with (shutting-down or terminated). */
    public Instance terminate(String region, String instanceId) {
        var changes = call(() -> ec2(region).terminateInstances(r -> r.instanceIds(instanceId))).terminatingInstances();
        return new Instance(instanceId, changes.isEmpty() ? null : changes.get(0).currentState().nameAsString());
    }

    public void tag(String region, String resourceId, Map<String, String> tags) {
        call(() -> ec2(region).createTags(r -> r.resources(resourceId).tags(tags(tags))));
    }

    /**
     * Creates an image of a stopped instance, tagging the image and its snapshots in the same
     * call. A stopped instance is not rebooted (docs/aws.md, CreateImage).
     */
    public String createImage(String region, String instanceId, String name, String description,
                              Map<String, String> tags) {
        var request = CreateImageRequest.builder()
                .instanceId(instanceId).name(name).description(description)
                .tagSpecifications(tagSpec(ResourceType.IMAGE, tags), tagSpec(ResourceType.SNAPSHOT, tags))
                .build();
        // No SDK retry on a server error: the image may exist; the caller looks before calling again.
        return call(() -> clients.ec2Creating(region).createImage(request)).imageId();
    }

    /** Each given image that EC2 knows, in one request. */
    public Map<String, Image> describeImages(String region, Collection<String> ids) {
        Map<String, Image> found = new HashMap<>();
        try {
            ec2(region).describeImages(r -> r.imageIds(ids)).images()
                    .forEach(i -> found.put(i.imageId(), image(i)));
        } catch (AwsServiceException e) {
            if (!"InvalidAMIID.NotFound".equals(code(e)) && !"InvalidAMIID.Unavailable".equals(code(e))) {
                throw translate(e);
            }
            // As for instances: a copy just started may not be described yet (docs/aws.md).
            if (ids.size() > 1) {
                var known = DescribeImagesRequest.builder().includeDeprecated(true)
                        .filters(Filter.builder().name("image-id").values(ids).build()).build();
                call(() -> ec2(region).describeImagesPaginator(known).images().stream().toList())
                        .forEach(i -> found.put(i.imageId(), image(i)));
            }
        } catch (SdkException e) {
            throw translate(e);
        }
        return found;
    }

    /** This account's image with exactly this name, if any (names are unique per region). */
    public Optional<Image> findOwnImageByName(String region, String name) {
        var request = DescribeImagesRequest.builder().owners("self")
                .filters(Filter.builder().name("name").values(name).build()).build();
        return call(() -> ec2(region).describeImages(request)).images().stream()
                .filter(i -> i.state() != ImageState.DEREGISTERED)
                .map(Ec2Gateway::image).findFirst();
    }

    /**
     * This account's registered images carrying the tag, deprecated and disabled ones included. AWS lists a deregistered image for a
     * short interval after DeregisterImage (DescribeImages, API reference); those are left out.
     */
    public List<Image> findOwnImagesByTag(String region, String key, String value) {
        var request = DescribeImagesRequest.builder().owners("self").includeDeprecated(true).includeDisabled(true)
                .filters(Filter.builder().name("tag:" + key).values(value).build()).build();
        return call(() -> ec2(region).describeImages(request)).images().stream()
                .filter(i -> i.state() != ImageState.DEREGISTERED)
                .map(Ec2Gateway::image).toList();
    }

    /** The newest image matching owners, a name pattern and an architecture. */
    public Optional<Image> newestImage(String region, List<String> owners, String namePattern, String architecture) {
        var request = DescribeImagesRequest.builder().owners(owners)
                .filters(Filter.builder().name("name").values(namePattern).build(),
                        Filter.builder().name("architecture").values(architecture).build(),
                        Filter.builder().name("state").values("available").build())
                .build();
        return call(() -> ec2(region).describeImages(request)).images().stream()
                .max(Comparator.comparing(i -> i.creationDate() == null ? "" : i.creationDate()))
                .map(Ec2Gateway::image);
    }

    /**
     * Copies an image into {@code region} (the call goes to the destination). The client token
     * makes a repeated call return the copy already under way (docs/aws.md, CopyImage).
     */
    public String copyImage(String region, CopyRequest request) {
        return call(() -> clients.ec2Creating(region).copyImage(copyImageRequest(request))).imageId();
    }

    static software.amazon.awssdk.services.ec2.model.CopyImageRequest copyImageRequest(CopyRequest request) {
        var builder = software.amazon.awssdk.services.ec2.model.CopyImageRequest.builder()
                .sourceRegion(request.sourceRegion())
                .sourceImageId(request.sourceImageId())
                .name(request.name())
                .description(request.description())
                .clientToken(request.clientToken())
                .tagSpecifications(tagSpec(ResourceType.IMAGE, request.tags()),
                        tagSpec(ResourceType.SNAPSHOT, request.tags()));
        if (request.encrypted()) {
            builder.encrypted(true);
            if (request.kmsKeyId() != null) {
                builder.kmsKeyId(request.kmsKeyId());
            }
        }
        return builder.build();
    }

    /** Each snapshot's progress in percent; the only progress signal AWS gives for a copy. */
    public Map<String, Integer> snapshotProgress(String region, Collection<String> snapshotIds) {
        Map<String, Integer> progress = new HashMap<>();
        try {
            ec2(region).describeSnapshots(r -> r.snapshotIds(snapshotIds)).snapshots().forEach(snapshot -> {
                String text = snapshot.progress() == null ? "0%" : snapshot.progress().replace("%", "").trim();
                progress.put(snapshot.snapshotId(), text.isEmpty() ? 0 : Integer.parseInt(text));
            });
        } catch (AwsServiceException e) {
            if (!"InvalidSnapshot.NotFound".equals(code(e))) {
                throw translate(e);
            }
        } catch (SdkException e) {
            throw translate(e);
        }
        return progress;
    }

    /**
     * Grants launch permission on the image to each grantee: a 12-digit account id, an organization
     * ARN ({@code OrganizationArn}) or an OU ARN ({@code OrganizationalUnitArn}).
     */
    public void shareImage(String region, String imageId, List<String> grantees) {
        call(() -> ec2(region).modifyImageAttribute(r -> r.imageId(imageId)
                .launchPermission(p -> p.add(grantees.stream().map(Ec2Gateway::launchPermission).toList()))));
    }

    static software.amazon.awssdk.services.ec2.model.LaunchPermission launchPermission(String grantee) {
        var permission = software.amazon.awssdk.services.ec2.model.LaunchPermission.builder();
        if (grantee.contains(":organization/")) {
            permission.organizationArn(grantee);
        } else if (grantee.contains(":ou/")) {
            permission.organizationalUnitArn(grantee);
        } else {
            permission.userId(grantee);
        }
        return permission.build();
    }

    /**
     * Grants the accounts create-volume permission on the snapshots: what another account needs to
     * copy an image shared with it (EC2 User Guide, "Copy an AMI").
     */
    public void shareSnapshots(String region, List<String> snapshotIds, List<String> accountIds) {
        for (String snapshot : snapshotIds) {
            call(() -> ec2(region).modifySnapshotAttribute(r -> r.snapshotId(snapshot)
                    .attribute(software.amazon.awssdk.services.ec2.model.SnapshotAttributeName.CREATE_VOLUME_PERMISSION)
                    .createVolumePermission(p -> p.add(accountIds.stream()
                            .map(id -> software.amazon.awssdk.services.ec2.model.CreateVolumePermission.builder()
                                    .userId(id).build()).toList()))));
        }
    }

    /** Which of the given images instances use, in any state but terminated: image id to instance ids. */
    public Map<String, List<String>> instancesUsing(String region, Collection<String> imageIds) {
        Map<String, List<String>> using = new HashMap<>();
        if (imageIds.isEmpty()) {
            return using;
        }
        var request = DescribeInstancesRequest.builder().filters(
                Filter.builder().name("image-id").values(imageIds).build(),
                Filter.builder().name("instance-state-name")
                        .values("pending", "running", "stopping", "stopped", "shutting-down").build())
                .build();
        call(() -> ec2(region).describeInstancesPaginator(request).reservations().stream()
                .flatMap(r -> r.instances().stream()).toList())
                .forEach(i -> using.computeIfAbsent(i.imageId(), k -> new ArrayList<>()).add(i.instanceId()));
        return using;
    }

    /** The regions this account may use (DescribeRegions), asked in {@code region}. */
    public List<String> enabledRegions(String region) {
        return call(() -> ec2(region).describeRegions()).regions().stream().map(r -> r.regionName()).sorted().toList();
    }

    /**
     * Everything of this account in the region that carries the tag key: instances that are not
     * terminated, images (deprecated and disabled ones too) and snapshots.
     */
    public List<Tagged> findTagged(String region, String key) {
        Filter tagged = Filter.builder().name("tag-key").values(key).build();
        List<Tagged> found = new ArrayList<>();
        var instances = DescribeInstancesRequest.builder().filters(tagged, Filter.builder().name("instance-state-name")
                .values("pending", "running", "stopping", "stopped", "shutting-down").build()).build();
        call(() -> ec2(region).describeInstancesPaginator(instances).reservations().stream()
                .flatMap(r -> r.instances().stream()).toList())
                .forEach(i -> found.add(new Tagged("instance", i.instanceId(), i.state().nameAsString(),
                        tagMap(i.tags()), List.of())));
        var images = DescribeImagesRequest.builder().owners("self").includeDeprecated(true).includeDisabled(true)
                .filters(tagged).build();
        call(() -> ec2(region).describeImages(images)).images().stream().map(Ec2Gateway::image)
                .forEach(i -> found.add(Tagged.of(i)));
        call(() -> ec2(region).describeSnapshotsPaginator(r -> r.ownerIds("self").filters(tagged)).snapshots()
                .stream().toList())
                .forEach(s -> found.add(new Tagged("snapshot", s.snapshotId(), s.stateAsString(), tagMap(s.tags()),
                        List.of())));
        return found;
    }

    /** From {@code at} on, listings omit the image unless they ask for deprecated ones; it stays launchable. */
    public void deprecate(String region, String imageId, Instant at) {
        call(() -> ec2(region).enableImageDeprecation(r -> r.imageId(imageId).deprecateAt(at)));
    }

    /** Instances launched from the image must use IMDSv2; EC2 cannot turn this off again. */
    public void requireImdsV2(String region, String imageId) {
        call(() -> ec2(region).modifyImageAttribute(r -> r.imageId(imageId)
                .imdsSupport(v -> v.value("v2.0"))));
    }

    /** Turns on deregistration protection: EC2 then refuses DeregisterImage until it is turned off. */
    public void protectFromDeregistration(String region, String imageId) {
        call(() -> ec2(region).enableImageDeregistrationProtection(r -> r.imageId(imageId)));
    }

    public void deregisterImage(String region, String imageId) {
        call(() -> ec2(region).deregisterImage(r -> r.imageId(imageId)));
    }

    /**
     * Deregisters the image and deletes its snapshots, which deregistering alone leaves behind
     * to keep costing money (docs/aws.md). Returns the snapshots deleted.
     */
    public List<String> deregisterWithSnapshots(String region, String imageId) {
        Image image = describeImages(region, List.of(imageId)).get(imageId);
        try {
            deregisterImage(region, imageId);
        } catch (CloudException e) {
            // Deregistered already (perhaps by an earlier run): its snapshots may still be there.
            if (!e.isNotFound()) {
                throw e;
            }
        }
        List<String> deleted = new ArrayList<>();
        for (String snapshot : image == null ? List.<String>of() : image.snapshotIds()) {
            try {
                deleteSnapshot(region, snapshot);
                deleted.add(snapshot);
            } catch (CloudException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
            }
        }
        return deleted;
    }

    /** This account's snapshots carrying the tag. */
    public List<String> findOwnSnapshotsByTag(String region, String key, String value) {
        return call(() -> ec2(region).describeSnapshotsPaginator(r -> r.ownerIds("self")
                .filters(Filter.builder().name("tag:" + key).values(value).build()))
                .snapshots().stream().map(s -> s.snapshotId()).toList());
    }

    public void deleteSnapshot(String region, String snapshotId) {
        call(() -> ec2(region).deleteSnapshot(r -> r.snapshotId(snapshotId)));
    }

    private Ec2Client ec2(String region) {
        return clients.ec2(region);
    }

    static Image image(software.amazon.awssdk.services.ec2.model.Image i) {
        Map<String, String> tags = new HashMap<>();
        i.tags().forEach(t -> tags.put(t.key(), t.value()));
        List<String> snapshots = new ArrayList<>();
        i.blockDeviceMappings().forEach(m -> {
            if (m.ebs() != null && m.ebs().snapshotId() != null) {
                snapshots.add(m.ebs().snapshotId());
            }
        });
        String reason = i.stateReason() == null ? null : i.stateReason().message();
        return new Image(i.imageId(), i.name(), i.stateAsString(), reason, tags, snapshots, i.creationDate(),
                i.rootDeviceName() == null ? "/dev/xvda" : i.rootDeviceName(),
                i.deregistrationProtection() != null && i.deregistrationProtection().startsWith("enabled"));
    }

    static TagSpecification tagSpec(ResourceType type, Map<String, String> tags) {
        return TagSpecification.builder().resourceType(type).tags(tags(tags)).build();
    }

    private static Map<String, String> tagMap(List<Tag> tags) {
        Map<String, String> map = new HashMap<>();
        tags.forEach(t -> map.put(t.key(), t.value()));
        return map;
    }

    static List<Tag> tags(Map<String, String> tags) {
        return tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }

    static <T> T call(Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw translate(e);
        }
    }

    static String code(AwsServiceException e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    static CloudException translate(SdkException e) {
        if (e instanceof AwsServiceException service) {
            String message = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorMessage();
            return new CloudException(code(service), message, service.statusCode(), service.requestId(), e);
        }
        return new CloudException("ClientError", e.getMessage(), e);
    }
}
