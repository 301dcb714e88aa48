package io.amibake.sandbox;

import static io.amibake.sandbox.Ec2Api.dryRun;
import static io.amibake.sandbox.Ec2Api.fingerprint;
import static io.amibake.sandbox.Ec2Filters.IMAGE_ID;
import static io.amibake.sandbox.Ec2Filters.addTagFields;
import static io.amibake.sandbox.Ec2Filters.byIds;
import static io.amibake.sandbox.Ec2Filters.matches;
import static io.amibake.sandbox.Ec2Filters.page;
import static io.amibake.sandbox.Ec2Filters.pageToken;

import io.amibake.sandbox.Cloud.BlockDevice;
import io.amibake.sandbox.Cloud.Image;
import io.amibake.sandbox.Cloud.Instance;
import io.amibake.sandbox.Cloud.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * EC2 images: CreateImage, DescribeImages, CopyImage and DeregisterImage, the snapshots an image
 * is made of, AMI name rules, and who may see and launch an image.
 */
final class Ec2Images {

    /** When a copy with a KMS key it cannot use ends {@code failed}: the sandbox's assumption, AWS gives no figure. */
    private static final Duration KMS_FAILURE_SHOWS = Duration.ofMinutes(1);
    private static final Pattern IMAGE_NAME = Pattern.compile("[A-Za-z0-9()\\[\\]./\\-'@_ ]{3,128}");
    private final Cloud cloud;
    private final Faults faults;

    Ec2Images(Cloud cloud, Faults faults) {
        this.cloud = cloud;
        this.faults = faults;
    }

    void createImage(Cloud.Region region, QueryParams p, Xml xml) {
        String instanceId = p.require("InstanceId");
        String name = p.require("Name");
        validateImageName(name);
        Map<String, Map<String, String>> tagSpecs = Ec2Tags.tagSpecifications(p, Set.of("image", "snapshot"));
        Instant now = cloud.now();
        Instance in = Ec2Instances.instancesByIds(region, List.of(instanceId), now).get(0);
        String state = in.state(now);
        if (!state.equals("running") && !state.equals("stopped")) {
            throw new ApiException("IncorrectInstanceState", "Instance '" + in.id + "' is not in a state from which "
                    + "an image can be created; its state is " + state);
        }
        checkNameFree(region, name);
        dryRun(p);
        // NoReboot=false (the default) reboots a running instance first; a stopped one is not rebooted.
        Duration duration = cloud.transition(cloud.profile.imageCreate());
        if (state.equals("running") && !p.bool("NoReboot")) {
            duration = duration.plus(cloud.profile.instanceReboot());
        }
        Image source = region.images.get(in.imageId);
        Image image = newImage(region, name, p.get("Description"), now, now.plus(duration));
        image.architecture = in.architecture;
        image.sourceInstanceId = in.id;
        image.contents = in.contents == null ? null : in.contents.disk();
        image.rootDeviceName = in.blockDevices.isEmpty() ? "/dev/xvda" : in.blockDevices.get(0).deviceName();
        image.platformDetails = source != null ? source.platformDetails : "Linux/UNIX";
        image.tags.putAll(tagSpecs.getOrDefault("image", Map.of()));
        for (BlockDevice d : in.blockDevices) {
            Snapshot s = newSnapshot(region, image, d.volumeSize(), d.encrypted(), d.kmsKeyId(), d.volumeId(),
                    "Created by CreateImage(" + in.id + ") for " + image.id, now);
            s.tags.putAll(tagSpecs.getOrDefault("snapshot", Map.of()));
            image.blockDevices.add(new BlockDevice(d.deviceName(), s.id, d.volumeSize(), d.volumeType(), d.encrypted(),
                    d.kmsKeyId(), d.deleteOnTermination(), null));
        }
        image.encrypted = image.blockDevices.stream().anyMatch(BlockDevice::encrypted);
        if (in.machine != null) {
            cloud.machines.capture(in, image);
        }
        xml.el("imageId", image.id);
    }

    private Image newImage(Cloud.Region region, String name, String description, Instant now, Instant readyAt) {
        Image image = new Image();
        image.region = region.name;
        image.id = Cloud.newId("ami");
        image.name = name;
        image.description = description;
        image.ownerId = region.account;
        image.createdAt = now;
        image.visibleAt = now.plus(cloud.vary(cloud.profile.imageConsistencyDelay()));
        image.readyAt = readyAt;
        image.fails = faults.takeImageFailure(region.name);
        region.images.put(image.id, image);
        return image;
    }

    private Snapshot newSnapshot(Cloud.Region region, Image image, int size, boolean encrypted, String kmsKeyId,
            String volumeId, String description, Instant now) {
        Snapshot s = new Snapshot();
        s.region = region.name;
        s.id = Cloud.newId("snap");
        s.volumeId = volumeId != null ? volumeId : "vol-ffffffff";
        s.ownerId = region.account;
        s.volumeSize = size;
        s.description = description;
        s.encrypted = encrypted;
        s.kmsKeyId = kmsKeyId;
        s.startTime = now;
        s.completeAt = image.readyAt;
        s.image = image;
        region.snapshots.put(s.id, s);
        return s;
    }

    private static void validateImageName(String name) {
        if (!IMAGE_NAME.matcher(name).matches()) {
            throw new ApiException("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long, "
                    + "and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'");
        }
    }

    private void checkNameFree(Cloud.Region region, String name) {
        Instant now = cloud.now();
        for (Image other : region.images.values()) {
            if (other.holdsName(now) && other.ownerId.equals(region.account) && other.name.equals(name)) {
                throw new ApiException("InvalidAMIName.Duplicate", "AMI name " + name + " is already in use by AMI "
                        + other.id);
            }
        }
    }

    void describeImages(Cloud.Region region, QueryParams p, Xml xml) {
        dryRun(p);
        Instant now = cloud.now();
        List<String> ids = p.list("ImageId");
        List<Image> visible = cloud.imagesSeenFrom(region).stream().filter(i -> i.listed(now)).toList();
        List<Image> selected = ids.isEmpty() ? visible : byIds(ids, visible, i -> i.id, IMAGE_ID, "InvalidAMIID",
                "image id");
        if (ids.isEmpty() && !p.bool("IncludeDeprecated")) {
            // A deprecated image is listed only when asked for, or named by id (EnableImageDeprecation).
            selected = selected.stream().filter(i -> !i.deprecated(now)).toList();
        }
        List<String> owners = p.list("Owner");
        if (!owners.isEmpty()) {
            selected = selected.stream().filter(i -> owners.stream().anyMatch(o -> ownedBy(i, o, region.account))).toList();
        }
        List<String> executableBy = p.list("ExecutableBy");
        if (!executableBy.isEmpty()) {
            selected = selected.stream().filter(i -> executableBy.stream().anyMatch(e -> executableBy(i, e, region.account))).toList();
        }
        Map<String, Function<Image, List<String>>> fields = new LinkedHashMap<>();
        fields.put("name", i -> List.of(i.name));
        fields.put("state", i -> List.of(i.state(now)));
        fields.put("image-id", i -> List.of(i.id));
        fields.put("owner-id", i -> List.of(i.ownerId));
        fields.put("owner-alias", i -> i.ownerAlias == null ? List.of() : List.of(i.ownerAlias));
        fields.put("architecture", i -> List.of(i.architecture));
        fields.put("is-public", i -> List.of(String.valueOf(isPublic(i))));
        fields.put("image-type", i -> List.of("machine"));
        fields.put("root-device-type", i -> List.of("ebs"));
        fields.put("virtualization-type", i -> List.of("hvm"));
        fields.put("platform-details", i -> List.of(i.platformDetails));
        fields.put("description", i -> i.description == null ? List.of() : List.of(i.description));
        fields.put("block-device-mapping.snapshot-id", Image::snapshotIds);
        fields.put("source-instance-id", i -> i.sourceInstanceId == null ? List.of() : List.of(i.sourceInstanceId));
        addTagFields(fields, i -> i.tags);
        List<QueryParams> filters = p.members("Filter");
        List<Image> matching = selected.stream().filter(i -> matches(i, filters, fields)).toList();
        List<Image> page = page(matching, p);
        xml.open("imagesSet");
        for (Image image : page) {
            writeImage(xml, image, now);
        }
        xml.close();
        pageToken(matching, p, xml);
    }

    private void writeImage(Xml xml, Image image, Instant now) {
        String state = image.state(now);
        xml.open("item").el("imageId", image.id).el("imageLocation", image.ownerId + "/" + image.name)
                .el("imageState", state).el("imageOwnerId", image.ownerId).el("creationDate", image.createdAt)
                .el("isPublic", isPublic(image)).el("architecture", image.architecture).el("imageType", "machine")
                .el("name", image.name).el("description", image.description).el("rootDeviceType", "ebs")
                .el("rootDeviceName", image.rootDeviceName);
        xml.open("blockDeviceMapping");
        for (BlockDevice d : image.blockDevices) {
            xml.open("item").el("deviceName", d.deviceName()).open("ebs").el("snapshotId", d.snapshotId())
                    .el("volumeSize", d.volumeSize()).el("deleteOnTermination", d.deleteOnTermination())
                    .el("volumeType", d.volumeType()).el("encrypted", d.encrypted()).el("kmsKeyId", d.kmsKeyId())
                    .close().close();
        }
        xml.close();
        xml.el("virtualizationType", "hvm").tagSet(image.tags).el("hypervisor", "xen")
                .el("imageOwnerAlias", image.ownerAlias).el("enaSupport", true).el("sriovNetSupport", "simple")
                .el("platformDetails", image.platformDetails).el("usageOperation", "RunInstances")
                .el("bootMode", image.architecture.equals("arm64") ? "uefi" : "uefi-preferred")
                .el("imdsSupport", image.imdsSupport != null ? image.imdsSupport
                        : image.name.startsWith("al2023") ? "v2.0" : null)
                .el("deprecationTime", image.deprecationTime)
                .el("sourceInstanceId", image.sourceInstanceId).el("deregistrationProtection", image.deregistrationProtection)
                .el("sourceImageId", image.sourceImageId).el("sourceImageRegion", image.sourceRegion);
        if (state.equals("failed")) {
            String reason = image.stateReason != null ? image.stateReason
                    : "Server.InternalError: An internal error has occurred";
            xml.open("stateReason").el("code", reason.substring(0, reason.indexOf(':'))).el("message", reason).close();
        }
        xml.close();
    }

    void copyImage(Cloud.Region region, QueryParams p, Xml xml) {
        String sourceRegionName = p.require("SourceRegion");
        String sourceImageId = p.require("SourceImageId");
        String name = p.require("Name");
        validateImageName(name);
        String token = p.get("ClientToken");
        if (token != null && token.length() > 64) {
            throw ApiException.invalidParameter("Value for parameter clientToken is invalid: longer than 64 characters.");
        }
        boolean encrypted = p.bool("Encrypted");
        String kmsKeyId = p.get("KmsKeyId");
        if (kmsKeyId != null && !encrypted) {
            throw new ApiException("InvalidParameterCombination",
                    "KmsKeyId can be specified only when Encrypted is true.");
        }
        if (!Regions.isKnown(sourceRegionName)) {
            throw ApiException.invalidParameter("Invalid source region: " + sourceRegionName);
        }
        Map<String, Map<String, String>> tagSpecs = Ec2Tags.tagSpecifications(p, Set.of("image", "snapshot"));
        Duration copyDuration = cloud.transition(cloud.profile.imageCopy());
        String timeBased = p.get("SnapshotCopyCompletionDurationMinutes");
        if (timeBased != null) {
            // docs/aws.md: a time-based copy takes 15 minutes to 48 hours, in 15-minute steps.
            int minutes = p.integer("SnapshotCopyCompletionDurationMinutes", 0);
            if (minutes < 15 || minutes > 2880 || minutes % 15 != 0) {
                throw ApiException.invalidParameter("Value (" + minutes + ") for parameter "
                        + "SnapshotCopyCompletionDurationMinutes is invalid. It must be 15 to 2880 in steps of 15.");
            }
            copyDuration = Duration.ofMinutes(minutes);
        }
        Cloud.Region sourceRegion = cloud.region(region.account, sourceRegionName);
        if (!IMAGE_ID.matcher(sourceImageId).matches()) {
            throw new ApiException("InvalidAMIID.Malformed", "Invalid id: \"" + sourceImageId + "\" (expecting \"ami-...\")");
        }
        Image source = cloud.imageSeenFrom(sourceRegion, sourceImageId);
        if (source == null || !source.visible(cloud.now())) {
            throw new ApiException("InvalidAMIID.NotFound", "The image id '[" + sourceImageId + "]' does not exist");
        }
        boolean shared = !source.isPublic && !source.ownerId.equals(region.account);
        if (shared && !mayReadStorage(source, region.account)) {
            // EC2 User Guide, "Copy an AMI": to copy an AMI shared with you, its owner must grant you read
            // permission on the storage (the EBS snapshots' CreateVolumePermission). The message is the one
            // users report; the code is an assumption.
            throw new ApiException("InvalidRequest", "You do not have permission to access the storage of this ami");
        }
        dryRun(p);
        if (token != null) {
            Cloud.CopyToken known = region.copyTokens.get(token);
            if (known != null) {
                if (!known.fingerprint().equals(fingerprint(p))) {
                    throw new ApiException("IdempotentParameterMismatch", "Arguments on this idempotent request are "
                            + "inconsistent with arguments used in previous request(s).");
                }
                xml.el("imageId", known.imageId());
                return;
            }
        }
        Instant now = cloud.now();
        String sourceState = source.state(now);
        if (!sourceState.equals("available")) {
            throw unavailable(sourceImageId, sourceState);
        }
        checkNameFree(region, name);
        long copying = pendingCopies(region, now);
        if (copying >= cloud.copyLimit) {
            // AWS documents the limit (100 per destination region), not the error code; this is the
            // code EC2 uses for its other per-region limits.
            throw new ApiException("ResourceLimitExceeded", "You have reached the limit of " + cloud.copyLimit
                    + " concurrent AMI copies in " + region.name + ".");
        }
        Image image = newImage(region, name, p.get("Description", source.description), now, now.plus(copyDuration));
        Cloud.KmsKey named = kmsKeyId == null ? null : KmsApi.resolve(region, kmsKeyId);
        if (kmsKeyId != null && (named == null || !named.state().equals("Enabled"))) {
            // CopyImage's KmsKeyId: "authenticates the KMS key asynchronously. Therefore, if you specify an
            // identifier that is not valid, the action can appear to complete, but eventually fails. The
            // specified KMS key must exist in the destination Region." (EC2 API Reference)
            image.fails = true;
            image.stateReason = "Client.InvalidKMSKey.InvalidState: The KMS key " + kmsKeyId + (named == null
                    ? " does not exist in " + region.name : " is " + named.state()) + "; the copy cannot be encrypted";
            image.readyAt = now.plus(copyDuration.compareTo(KMS_FAILURE_SHOWS) < 0 ? copyDuration : KMS_FAILURE_SHOWS);
        }
        String unusableKey = shared ? unusableSourceKey(source, region.account) : null;
        if (unusableKey != null && !image.fails) {
            // A shared encrypted AMI is copied only by an account its snapshots' key lets in (EC2 User Guide,
            // "Share an AMI with specific AWS accounts": the owner must share the KMS key too; an AWS managed
            // key cannot be shared). Like the destination key, it is found out once the copy runs.
            image.fails = true;
            image.stateReason = "Client.InvalidKMSKey.InvalidState: The KMS key " + unusableKey + " of the source"
                    + " image's snapshots is not usable by account " + region.account + "; the copy cannot read them";
            image.readyAt = now.plus(copyDuration.compareTo(KMS_FAILURE_SHOWS) < 0 ? copyDuration : KMS_FAILURE_SHOWS);
        }
        image.architecture = source.architecture;
        image.rootDeviceName = source.rootDeviceName;
        image.platformDetails = source.platformDetails;
        image.sourceRegion = sourceRegionName;
        image.sourceImageId = sourceImageId;
        image.contents = InstanceContents.of(source);
        // A copy shares its source's layers: they never change once made.
        image.layers = source.layers;
        image.encrypted = encrypted || source.encrypted;
        // EBS reports the key's ARN, whatever form of its id the request used.
        String defaultKey = KmsApi.resolve(region, "alias/aws/ebs").arn();
        image.kmsKeyId = named != null ? named.arn() : kmsKeyId != null ? kmsKeyId : image.encrypted ? defaultKey : null;
        if (p.bool("CopyImageTags")) {
            source.tags.forEach((k, v) -> {
                if (!k.startsWith("aws:")) {
                    image.tags.put(k, v);
                }
            });
        }
        image.tags.putAll(tagSpecs.getOrDefault("image", Map.of()));
        for (BlockDevice d : source.blockDevices) {
            boolean enc = image.encrypted || d.encrypted();
            String key = enc ? (image.kmsKeyId != null ? image.kmsKeyId : d.kmsKeyId()) : null;
            Snapshot s = newSnapshot(region, image, d.volumeSize(), enc, key, null,
                    "Copied for DestinationAmi " + image.id + " from SourceAmi " + sourceImageId + " for SourceSnapshot "
                            + d.snapshotId() + ". Task created on " + now.toEpochMilli() + ".", now);
            s.tags.putAll(tagSpecs.getOrDefault("snapshot", Map.of()));
            image.blockDevices.add(new BlockDevice(d.deviceName(), s.id, d.volumeSize(), d.volumeType(), enc, key,
                    d.deleteOnTermination(), null));
        }
        if (token != null) {
            region.copyTokens.put(token, new Cloud.CopyToken(fingerprint(p), image.id));
        }
        region.peakCopies = (int) Math.max(region.peakCopies, pendingCopies(region, now));
        xml.el("imageId", image.id);
    }

    /** Whether every snapshot of another account's image grants the account CreateVolumePermission. */
    private boolean mayReadStorage(Image source, String account) {
        Cloud.Region owner = cloud.regionOf(source);
        return source.snapshotIds().stream().map(owner.snapshots::get)
                .allMatch(s -> s != null && s.createVolumeUserIds.contains(account));
    }

    /** The first key of the source's encrypted snapshots that the account may not use, or null. */
    private String unusableSourceKey(Image source, String account) {
        Cloud.Region owner = cloud.regionOf(source);
        for (BlockDevice d : source.blockDevices) {
            if (d.encrypted() && d.kmsKeyId() != null) {
                Cloud.KmsKey key = KmsApi.resolve(owner, d.kmsKeyId());
                if (key == null || !cloud.iam.mayUseKey(key, account)) {
                    return d.kmsKeyId();
                }
            }
        }
        return null;
    }

    private static long pendingCopies(Cloud.Region region, Instant now) {
        return region.images.values().stream()
                .filter(i -> i.sourceImageId != null && i.registered() && i.state(now).equals("pending")).count();
    }

    void deregisterImage(Cloud.Region region, QueryParams p, Xml xml) {
        Image image = ownImage(cloud, region, p.require("ImageId"), cloud.now());
        dryRun(p);
        if (!image.deregistrationProtection.equals("disabled")) {
            // AWS documents that a protected image "can't be deregistered" but not the error code.
            throw new ApiException("OperationNotPermitted", "The image " + image.id
                    + " has deregistration protection enabled; disable it before deregistering the image");
        }
        Instant now = cloud.now();
        image.deregisteredAt = now;
        image.listedUntil = now.plus(cloud.profile.deregisteredListed());
        image.nameHeldUntil = now.plus(cloud.vary(cloud.profile.imageNameReuse()));
        if (p.bool("DeleteAssociatedSnapshots")) {
            for (String id : image.snapshotIds()) {
                Snapshot s = region.snapshots.get(id);
                if (s != null && !Ec2Snapshots.stillUsed(region, s)) {
                    s.deleted = true;
                }
            }
        }
        xml.el("return", true);
    }

    /** Sets when the image and its snapshots complete (or fail, if the image fails). */
    static void complete(Cloud.Region region, Image image, Instant at) {
        image.readyAt = at;
        region.snapshots.values().stream().filter(s -> s.image == image).forEach(s -> s.completeAt = at);
    }

    static ApiException unavailable(String imageId, String state) {
        return new ApiException("InvalidAMIID.Unavailable", "The AMI ID '" + imageId + "' is currently " + state
                + " and may not be used for this operation");
    }

    /** The image with this id, if this account owns it; an unknown id fails the call. */
    static Image ownImage(Cloud cloud, Cloud.Region region, String imageId, Instant now) {
        Image image = usableImage(cloud, region, imageId, now);
        if (!image.ownerId.equals(region.account)) {
            throw new ApiException("AuthFailure", "Not authorized for image:" + imageId);
        }
        return image;
    }

    /** The image with this id, if this account may see it; an unknown id fails the call. */
    /** The image with this id in the account's own region (its own images and the public ones). */
    static Image byId(Cloud.Region region, String imageId, Instant now) {
        return byIds(List.of(imageId), region.images.values().stream().filter(i -> i.visible(now)).toList(),
                i -> i.id, IMAGE_ID, "InvalidAMIID", "image id").get(0);
    }

    static Image usableImage(Cloud cloud, Cloud.Region region, String imageId, Instant now) {
        return byIds(List.of(imageId), cloud.imagesSeenFrom(region).stream().filter(i -> i.visible(now)).toList(),
                i -> i.id, IMAGE_ID, "InvalidAMIID", "image id").get(0);
    }

    private static boolean isPublic(Image image) {
        return image.isPublic || image.launchGroups.contains("all");
    }

    private static boolean ownedBy(Image image, String owner, String account) {
        return switch (owner) {
            case "self" -> image.ownerId.equals(account);
            case "amazon", "aws-marketplace", "aws-backup-vault" -> owner.equals(image.ownerAlias);
            default -> image.ownerId.equals(owner);
        };
    }

    private boolean executableBy(Image image, String who, String account) {
        return switch (who) {
            case "all" -> isPublic(image);
            case "self" -> !image.ownerId.equals(account) && cloud.iam.mayLaunch(image, account);
            default -> isPublic(image) || !image.ownerId.equals(who) && cloud.iam.mayLaunch(image, who);
        };
    }
}
