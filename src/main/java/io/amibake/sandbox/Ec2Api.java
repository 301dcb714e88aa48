package io.amibake.sandbox;

import io.amibake.sandbox.Cloud.BlockDevice;
import io.amibake.sandbox.Cloud.Image;
import io.amibake.sandbox.Cloud.Instance;
import io.amibake.sandbox.Cloud.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * EC2's Query protocol: one method per action, each reading EC2's flattened form parameters and
 * writing the XML the SDK's EC2 unmarshallers expect (lists as {@code <item>}, tags as
 * {@code tagSet}). Callers hold the monitor of the {@link Cloud}.
 */
final class Ec2Api {

    private static final Pattern IMAGE_NAME = Pattern.compile("[A-Za-z0-9()\\[\\]./\\-'@_ ]{3,128}");
    private static final Pattern IMAGE_ID = Pattern.compile("ami-[0-9a-f]{8}([0-9a-f]{9})?");
    private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8}([0-9a-f]{9})?");
    private static final Pattern SNAPSHOT_ID = Pattern.compile("snap-[0-9a-f]{8}([0-9a-f]{9})?");
    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");

    private static final java.time.format.DateTimeFormatter REASON_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'GMT'").withZone(java.time.ZoneOffset.UTC);
    static final String USER_SHUTDOWN = "Client.UserInitiatedShutdown";
    static final String INSTANCE_SHUTDOWN = "Client.InstanceInitiatedShutdown";
    private static final Duration TERMINATED_VISIBLE = Duration.ofHours(1);
    // aws-facts.md, "CopyImage": a destination region accepts at most 300 concurrent AMI copies.
    static final int MAX_CONCURRENT_COPIES = 300;

    private final Cloud cloud;
    private final Faults faults;

    Ec2Api(Cloud cloud, Faults faults) {
        this.cloud = cloud;
        this.faults = faults;
    }

    /** Whether a Describe call narrows its answer by ids or filters (it then draws from a larger bucket). */
    static boolean filteredOrById(QueryParams p) {
        return p.hasAny("InstanceId") || p.hasAny("SnapshotId") || p.hasAny("Filter") || p.hasAny("MaxResults")
                || p.hasAny("Owner");
    }

    String handle(String action, Cloud.Region region, QueryParams p, String requestId) {
        Xml xml = Xml.response(action, requestId);
        switch (action) {
            case "DescribeRegions" -> describeRegions(p, xml);
            case "RunInstances" -> runInstances(region, p, xml);
            case "DescribeInstances" -> describeInstances(region, p, xml);
            case "StartInstances" -> startInstances(region, p, xml);
            case "StopInstances" -> stopInstances(region, p, xml);
            case "TerminateInstances" -> terminateInstances(region, p, xml);
            case "CreateImage" -> createImage(region, p, xml);
            case "DescribeImages" -> describeImages(region, p, xml);
            case "CopyImage" -> copyImage(region, p, xml);
            case "DeregisterImage" -> deregisterImage(region, p, xml);
            case "DescribeSnapshots" -> describeSnapshots(region, p, xml);
            case "DeleteSnapshot" -> deleteSnapshot(region, p, xml);
            case "CreateTags" -> createTags(region, p, xml);
            case "DeleteTags" -> deleteTags(region, p, xml);
            case "ModifyImageAttribute" -> modifyImageAttribute(region, p, xml);
            case "DescribeImageAttribute" -> describeImageAttribute(region, p, xml);
            default -> throw new ApiException("InvalidAction", "The action " + action + " is not valid for this web service.");
        }
        return xml.toString();
    }

    private static void dryRun(QueryParams p) {
        if (p.bool("DryRun")) {
            throw new ApiException("DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
        }
    }

    // ---- regions

    private void describeRegions(QueryParams p, Xml xml) {
        dryRun(p);
        List<String> names = p.list("RegionName");
        for (String name : names) {
            if (!Regions.isKnown(name)) {
                throw new ApiException("InvalidParameterValue", "Invalid region name: " + name);
            }
        }
        Map<String, Function<String, List<String>>> fields = Map.of("region-name", r -> List.of(r),
                "endpoint", r -> List.of("ec2." + r + ".amazonaws.com"), "opt-in-status", r -> List.of("opt-in-not-required"));
        List<QueryParams> filters = p.members("Filter");
        xml.open("regionInfo");
        for (String r : Regions.commercial()) {
            if ((names.isEmpty() || names.contains(r)) && matches(r, filters, fields)) {
                xml.open("item").el("regionName", r).el("regionEndpoint", "ec2." + r + ".amazonaws.com")
                        .el("optInStatus", "opt-in-not-required").close();
            }
        }
        xml.close();
    }

    // ---- instances

    private void runInstances(Cloud.Region region, QueryParams p, Xml xml) {
        String imageId = p.require("ImageId");
        int min = p.integer("MinCount", -1);
        int max = p.integer("MaxCount", -1);
        if (min < 0) {
            throw ApiException.missingParameter("MinCount");
        }
        if (max < 0) {
            throw ApiException.missingParameter("MaxCount");
        }
        if (min < 1 || max < min) {
            throw ApiException.invalidParameter("Invalid value for MinCount/MaxCount: " + min + "/" + max);
        }
        String shutdown = p.get("InstanceInitiatedShutdownBehavior", "stop");
        if (!shutdown.equals("stop") && !shutdown.equals("terminate")) {
            throw ApiException.invalidParameter("Value (" + shutdown
                    + ") for parameter instanceInitiatedShutdownBehavior is invalid. Expected: 'stop' or 'terminate'.");
        }
        String httpTokens = p.get("MetadataOptions.HttpTokens");
        if (httpTokens != null && !httpTokens.equals("optional") && !httpTokens.equals("required")) {
            throw ApiException.invalidParameter("Value (" + httpTokens + ") for parameter HttpTokens is invalid.");
        }
        Map<String, Map<String, String>> tagSpecs = tagSpecifications(p, Set.of("instance", "volume", "network-interface"));
        String token = p.get("ClientToken");
        if (token != null && token.length() > 64) {
            throw ApiException.invalidParameter("Value for parameter clientToken is invalid: longer than 64 characters.");
        }
        Image image = imageForLaunch(region, imageId);
        dryRun(p);
        if (token != null) {
            String fingerprint = fingerprint(p);
            Cloud.RunToken known = region.runTokens.get(token);
            if (known != null) {
                if (!known.fingerprint().equals(fingerprint)) {
                    throw new ApiException("IdempotentParameterMismatch", "Arguments on this idempotent request are "
                            + "inconsistent with arguments used in previous request(s).");
                }
                writeReservationBody(xml, known.reservationId(),
                        known.instanceIds().stream().map(region.instances::get).toList());
                return;
            }
        }
        List<BlockDevice> devices = blockDevices(image, p);
        Instant now = cloud.now();
        String reservationId = Cloud.newId("r");
        List<Instance> launched = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            Instance in = new Instance();
            in.region = region.name;
            in.id = Cloud.newId("i");
            in.reservationId = reservationId;
            in.imageId = image.id;
            in.instanceType = p.get("InstanceType", "m1.small");
            in.clientToken = token;
            in.iamProfileArn = p.get("IamInstanceProfile.Arn") != null ? p.get("IamInstanceProfile.Arn")
                    : p.get("IamInstanceProfile.Name") != null
                            ? "arn:aws:iam::" + Cloud.ACCOUNT + ":instance-profile/" + p.get("IamInstanceProfile.Name")
                            : null;
            in.shutdownBehavior = shutdown;
            in.httpTokens = httpTokens != null ? httpTokens : image.name.startsWith("al2023") ? "required" : "optional";
            in.httpEndpoint = p.get("MetadataOptions.HttpEndpoint", "enabled");
            in.httpPutResponseHopLimit = p.integer("MetadataOptions.HttpPutResponseHopLimit",
                    in.httpTokens.equals("required") ? 2 : 1);
            in.architecture = image.architecture;
            in.privateIp = "10.0." + ThreadLocalRandom.current().nextInt(1, 255) + "."
                    + ThreadLocalRandom.current().nextInt(4, 255);
            in.subnetId = p.get("SubnetId", "subnet-0sandbox" + Math.floorMod(region.name.hashCode(), 1000));
            in.keyName = p.get("KeyName");
            in.launchIndex = i;
            in.launchedAt = now;
            in.visibleAt = now.plus(cloud.profile.consistencyDelay());
            in.tags.putAll(tagSpecs.getOrDefault("instance", Map.of()));
            for (BlockDevice d : devices) {
                in.blockDevices.add(new BlockDevice(d.deviceName(), d.snapshotId(), d.volumeSize(), d.volumeType(),
                        d.encrypted(), d.kmsKeyId(), d.deleteOnTermination(), Cloud.newId("vol")));
            }
            in.timeline = new Timeline(now, "pending");
            in.timeline.then(now.plus(cloud.profile.instanceRunning()), "running");
            region.instances.put(in.id, in);
            launched.add(in);
        }
        if (token != null) {
            region.runTokens.put(token, new Cloud.RunToken(fingerprint(p), reservationId,
                    launched.stream().map(i -> i.id).toList()));
        }
        writeReservationBody(xml, reservationId, launched);
    }

    private Image imageForLaunch(Cloud.Region region, String imageId) {
        if (!IMAGE_ID.matcher(imageId).matches()) {
            throw new ApiException("InvalidAMIID.Malformed", "Invalid id: \"" + imageId + "\" (expecting \"ami-...\")");
        }
        Image image = region.images.get(imageId);
        Instant now = cloud.now();
        if (image == null || !image.visible(now) || !canUse(image)) {
            throw new ApiException("InvalidAMIID.NotFound", "The image id '[" + imageId + "]' does not exist");
        }
        String state = image.state(now);
        if (!state.equals("available")) {
            throw new ApiException("InvalidAMIID.Unavailable", "AMI '" + imageId + "' is " + state
                    + ", and cannot be run");
        }
        return image;
    }

    private List<BlockDevice> blockDevices(Image image, QueryParams p) {
        Map<String, BlockDevice> byName = new LinkedHashMap<>();
        image.blockDevices.forEach(d -> byName.put(d.deviceName(), d));
        for (QueryParams m : p.members("BlockDeviceMapping")) {
            String name = m.get("DeviceName");
            if (name == null) {
                throw ApiException.missingParameter("BlockDeviceMapping.DeviceName");
            }
            BlockDevice base = byName.get(name);
            String volumeType = m.get("Ebs.VolumeType", base != null ? base.volumeType() : "gp2");
            int snapshotSize = base != null ? base.volumeSize() : 0;
            int size = m.integer("Ebs.VolumeSize", base != null ? base.volumeSize() : 8);
            if (size < snapshotSize) {
                throw new ApiException("InvalidBlockDeviceMapping", "Volume of size " + size
                        + "GB is smaller than snapshot '" + base.snapshotId() + "', expect size >= " + snapshotSize + "GB");
            }
            if (size < 1 || size > 16384) {
                throw ApiException.invalidParameter("Volume size " + size + " is out of range 1..16384 GiB");
            }
            Boolean encrypted = m.boolOrNull("Ebs.Encrypted");
            String kms = m.get("Ebs.KmsKeyId");
            Boolean deleteOnTermination = m.boolOrNull("Ebs.DeleteOnTermination");
            byName.put(name, new BlockDevice(name, base != null ? base.snapshotId() : null, size, volumeType,
                    encrypted != null ? encrypted : base != null && base.encrypted(),
                    kms != null ? kms : base != null ? base.kmsKeyId() : null,
                    deleteOnTermination != null ? deleteOnTermination : base == null || base.deleteOnTermination(), null));
        }
        return new ArrayList<>(byName.values());
    }

    private void describeInstances(Cloud.Region region, QueryParams p, Xml xml) {
        dryRun(p);
        Instant now = cloud.now();
        List<String> ids = p.list("InstanceId");
        // EC2 keeps answering for a terminated instance for about an hour, then forgets it.
        List<Instance> visible = region.instances.values().stream().filter(i -> !now.isBefore(i.visibleAt))
                .filter(i -> !(i.state(now).equals("terminated")
                        && !now.isBefore(i.timeline.enteredAt(now).plus(TERMINATED_VISIBLE))))
                .toList();
        List<Instance> selected = ids.isEmpty() ? visible : byIds(ids, visible, i -> i.id, INSTANCE_ID,
                "InvalidInstanceID", "instance ID");
        List<QueryParams> filters = p.members("Filter");
        Map<String, Function<Instance, List<String>>> fields = new LinkedHashMap<>();
        fields.put("instance-id", i -> List.of(i.id));
        fields.put("instance-state-name", i -> List.of(i.state(now)));
        fields.put("instance-state-code", i -> List.of(String.valueOf(stateCode(i.state(now)))));
        fields.put("image-id", i -> List.of(i.imageId));
        fields.put("instance-type", i -> List.of(i.instanceType));
        fields.put("reservation-id", i -> List.of(i.reservationId));
        fields.put("client-token", i -> i.clientToken == null ? List.of() : List.of(i.clientToken));
        fields.put("iam-instance-profile.arn", i -> i.iamProfileArn == null ? List.of() : List.of(i.iamProfileArn));
        fields.put("private-ip-address", i -> List.of(i.privateIp));
        fields.put("architecture", i -> List.of(i.architecture));
        fields.put("metadata-options.http-tokens", i -> List.of(i.httpTokens));
        addTagFields(fields, i -> i.tags);
        List<Instance> matching = selected.stream().filter(i -> matches(i, filters, fields)).toList();
        List<Instance> page = page(matching, p);
        Map<String, List<Instance>> byReservation = page.stream()
                .collect(Collectors.groupingBy(i -> i.reservationId, LinkedHashMap::new, Collectors.toList()));
        xml.open("reservationSet");
        byReservation.forEach((rid, list) -> {
            xml.open("item");
            writeReservationBody(xml, rid, list);
            xml.close();
        });
        xml.close();
        pageToken(matching, p, xml);
    }

    private void startInstances(Cloud.Region region, QueryParams p, Xml xml) {
        List<Instance> instances = requireInstances(region, p);
        dryRun(p);
        Instant now = cloud.now();
        for (Instance in : instances) {
            String state = in.state(now);
            if (!Set.of("stopped", "pending", "running").contains(state)) {
                throw new ApiException("IncorrectInstanceState", "The instance '" + in.id
                        + "' is not in a state from which it can be started.");
            }
        }
        writeStateChanges(xml, instances, now, in -> {
            if (in.state(now).equals("stopped")) {
                in.timeline.cutAfter(now);
                in.timeline.then(now, "pending");
                in.timeline.then(now.plus(cloud.profile.instanceRunning()), "running");
            }
        });
    }

    private void stopInstances(Cloud.Region region, QueryParams p, Xml xml) {
        List<Instance> instances = requireInstances(region, p);
        dryRun(p);
        Instant now = cloud.now();
        for (Instance in : instances) {
            String state = in.state(now);
            if (!Set.of("running", "stopping", "stopped").contains(state)) {
                throw new ApiException("IncorrectInstanceState", "The instance '" + in.id
                        + "' is not in a state from which it can be stopped.");
            }
        }
        writeStateChanges(xml, instances, now, in -> {
            if (in.state(now).equals("running")) {
                stop(in, now, "stopping", "stopped", USER_SHUTDOWN);
            }
        });
    }

    private void terminateInstances(Cloud.Region region, QueryParams p, Xml xml) {
        List<Instance> instances = requireInstances(region, p);
        dryRun(p);
        Instant now = cloud.now();
        writeStateChanges(xml, instances, now, in -> {
            String state = in.state(now);
            if (!state.equals("shutting-down") && !state.equals("terminated")) {
                stop(in, now, "shutting-down", "terminated", USER_SHUTDOWN);
            }
        });
    }

    /** Plans a stop or a termination from {@code at}, forgetting whatever was planned after it. */
    static void stop(Cloud cloud, Instance in, Instant at, String transit, String end, String reason) {
        Instant done = at.plus(transit.equals("stopping") ? cloud.profile.instanceStopping()
                : cloud.profile.instanceTerminating());
        in.timeline.cutAfter(at);
        in.timeline.then(at, transit);
        in.timeline.then(done, end);
        in.stateReasons.put(at, reason);
        in.stateReasons.put(done, reason);
    }

    private void stop(Instance in, Instant at, String transit, String end, String reason) {
        stop(cloud, in, at, transit, end, reason);
    }

    private List<Instance> requireInstances(Cloud.Region region, QueryParams p) {
        List<String> ids = p.list("InstanceId");
        if (ids.isEmpty()) {
            throw ApiException.missingParameter("InstanceId");
        }
        Instant now = cloud.now();
        return byIds(ids, region.instances.values().stream().filter(i -> !now.isBefore(i.visibleAt)).toList(),
                i -> i.id, INSTANCE_ID, "InvalidInstanceID", "instance ID");
    }

    private void writeStateChanges(Xml xml, List<Instance> instances, Instant now,
            java.util.function.Consumer<Instance> change) {
        xml.open("instancesSet");
        for (Instance in : instances) {
            String before = in.state(now);
            change.accept(in);
            String after = in.state(now);
            xml.open("item").el("instanceId", in.id);
            xml.open("currentState").el("code", stateCode(after)).el("name", after).close();
            xml.open("previousState").el("code", stateCode(before)).el("name", before).close();
            xml.close();
        }
        xml.close();
    }

    private void writeReservationBody(Xml xml, String reservationId, List<Instance> instances) {
        Instant now = cloud.now();
        xml.el("reservationId", reservationId).el("ownerId", Cloud.ACCOUNT);
        xml.open("groupSet").close();
        xml.open("instancesSet");
        for (Instance in : instances) {
            String state = in.state(now);
            xml.open("item").el("instanceId", in.id).el("imageId", in.imageId);
            xml.open("instanceState").el("code", stateCode(state)).el("name", state).close();
            String dns = "ip-" + in.privateIp.replace('.', '-') + "." + in.region + ".compute.internal";
            xml.el("privateDnsName", state.equals("terminated") ? "" : dns).el("dnsName", "");
            xml.el("reason", stateReasonText(in, now));
            xml.el("keyName", in.keyName).el("amiLaunchIndex", in.launchIndex);
            xml.el("instanceType", in.instanceType).el("launchTime", in.launchedAt);
            xml.open("placement").el("availabilityZone", in.region + "a").el("groupName", "").el("tenancy", "default")
                    .close();
            xml.open("monitoring").el("state", "disabled").close();
            if (!state.equals("terminated")) {
                xml.el("subnetId", in.subnetId).el("vpcId", "vpc-0sandbox").el("privateIpAddress", in.privateIp);
            }
            xml.el("sourceDestCheck", true);
            xml.open("groupSet").open("item").el("groupId", "sg-0sandboxdefault").el("groupName", "default").close()
                    .close();
            String reasonCode = stateReasonCode(in, now);
            if (reasonCode != null) {
                xml.open("stateReason").el("code", reasonCode).el("message", reasonCode + ": "
                        + (reasonCode.contains("User") ? "User initiated shutdown" : "Instance initiated shutdown"))
                        .close();
            }
            xml.el("architecture", in.architecture).el("rootDeviceType", "ebs")
                    .el("rootDeviceName", in.blockDevices.isEmpty() ? "/dev/xvda" : in.blockDevices.get(0).deviceName());
            xml.open("blockDeviceMapping");
            if (!state.equals("terminated")) {
                for (BlockDevice d : in.blockDevices) {
                    xml.open("item").el("deviceName", d.deviceName()).open("ebs").el("volumeId", d.volumeId())
                            .el("status", "attached").el("attachTime", in.launchedAt)
                            .el("deleteOnTermination", d.deleteOnTermination()).close().close();
                }
            }
            xml.close();
            xml.el("virtualizationType", "hvm").el("clientToken", in.clientToken == null ? "" : in.clientToken);
            xml.tagSet(in.tags);
            xml.el("hypervisor", "xen");
            if (in.iamProfileArn != null) {
                xml.open("iamInstanceProfile").el("arn", in.iamProfileArn)
                        .el("id", "AIPA" + Integer.toHexString(in.iamProfileArn.hashCode()).toUpperCase()).close();
            }
            xml.el("ebsOptimized", false).el("enaSupport", true);
            xml.open("metadataOptions").el("state", "applied").el("httpTokens", in.httpTokens)
                    .el("httpPutResponseHopLimit", in.httpPutResponseHopLimit).el("httpEndpoint", in.httpEndpoint)
                    .el("httpProtocolIpv6", "disabled").el("instanceMetadataTags", "disabled").close();
            xml.el("platformDetails", "Linux/UNIX").el("usageOperation", "RunInstances");
            xml.close();
        }
        xml.close();
    }

    private String stateReasonCode(Instance in, Instant now) {
        return in.stateReasons.get(in.timeline.enteredAt(now));
    }

    private String stateReasonText(Instance in, Instant now) {
        String code = stateReasonCode(in, now);
        if (code == null) {
            return "";
        }
        return (code.contains("User") ? "User" : "Instance") + " initiated ("
                + REASON_TIME.format(in.timeline.enteredAt(now)) + ")";
    }

    static int stateCode(String state) {
        return switch (state) {
            case "pending" -> 0;
            case "running" -> 16;
            case "shutting-down" -> 32;
            case "terminated" -> 48;
            case "stopping" -> 64;
            default -> 80;
        };
    }

    // ---- images

    private void createImage(Cloud.Region region, QueryParams p, Xml xml) {
        String instanceId = p.require("InstanceId");
        String name = p.require("Name");
        validateImageName(name);
        Map<String, Map<String, String>> tagSpecs = tagSpecifications(p, Set.of("image", "snapshot"));
        Instant now = cloud.now();
        Instance in = byIds(List.of(instanceId), region.instances.values().stream()
                .filter(i -> !now.isBefore(i.visibleAt)).toList(), i -> i.id, INSTANCE_ID, "InvalidInstanceID",
                "instance ID").get(0);
        String state = in.state(now);
        if (!state.equals("running") && !state.equals("stopped")) {
            throw new ApiException("IncorrectInstanceState", "Instance '" + in.id + "' is not in a state from which "
                    + "an image can be created; its state is " + state);
        }
        checkNameFree(region, name);
        dryRun(p);
        // NoReboot=false (the default) reboots a running instance first; a stopped one is not rebooted.
        Duration duration = cloud.profile.imageCreate();
        if (state.equals("running") && !p.bool("NoReboot")) {
            duration = duration.plus(cloud.profile.instanceReboot());
        }
        Image source = region.images.get(in.imageId);
        Image image = newImage(region, name, p.get("Description"), now, now.plus(duration));
        image.architecture = in.architecture;
        image.sourceInstanceId = in.id;
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
        xml.el("imageId", image.id);
    }

    private Image newImage(Cloud.Region region, String name, String description, Instant now, Instant readyAt) {
        Image image = new Image();
        image.region = region.name;
        image.id = Cloud.newId("ami");
        image.name = name;
        image.description = description;
        image.ownerId = Cloud.ACCOUNT;
        image.createdAt = now;
        image.visibleAt = now.plus(cloud.profile.imageConsistencyDelay());
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
        s.ownerId = Cloud.ACCOUNT;
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
        for (Image other : region.images.values()) {
            if (other.registered() && other.ownerId.equals(Cloud.ACCOUNT) && other.name.equals(name)) {
                throw new ApiException("InvalidAMIName.Duplicate", "AMI name " + name + " is already in use by AMI "
                        + other.id);
            }
        }
    }

    private void describeImages(Cloud.Region region, QueryParams p, Xml xml) {
        dryRun(p);
        Instant now = cloud.now();
        List<String> ids = p.list("ImageId");
        List<Image> visible = region.images.values().stream().filter(i -> i.visible(now)).filter(this::canUse).toList();
        List<Image> selected = ids.isEmpty() ? visible : byIds(ids, visible, i -> i.id, IMAGE_ID, "InvalidAMIID",
                "image id");
        List<String> owners = p.list("Owner");
        if (!owners.isEmpty()) {
            selected = selected.stream().filter(i -> owners.stream().anyMatch(o -> ownedBy(i, o))).toList();
        }
        List<String> executableBy = p.list("ExecutableBy");
        if (!executableBy.isEmpty()) {
            selected = selected.stream().filter(i -> executableBy.stream().anyMatch(e -> executableBy(i, e))).toList();
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
                .el("imdsSupport", image.name.startsWith("al2023") ? "v2.0" : null)
                .el("sourceInstanceId", image.sourceInstanceId).el("deregistrationProtection", "disabled")
                .el("sourceImageId", image.sourceImageId).el("sourceImageRegion", image.sourceRegion);
        if (state.equals("failed")) {
            xml.open("stateReason").el("code", "Server.InternalError")
                    .el("message", "Server.InternalError: An internal error has occurred").close();
        }
        xml.close();
    }

    private void copyImage(Cloud.Region region, QueryParams p, Xml xml) {
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
        Map<String, Map<String, String>> tagSpecs = tagSpecifications(p, Set.of("image", "snapshot"));
        Duration copyDuration = cloud.profile.imageCopy();
        String timeBased = p.get("SnapshotCopyCompletionDurationMinutes");
        if (timeBased != null) {
            // aws-facts.md: a time-based copy takes 15 minutes to 48 hours, in 15-minute steps.
            int minutes = p.integer("SnapshotCopyCompletionDurationMinutes", 0);
            if (minutes < 15 || minutes > 2880 || minutes % 15 != 0) {
                throw ApiException.invalidParameter("Value (" + minutes + ") for parameter "
                        + "SnapshotCopyCompletionDurationMinutes is invalid. It must be 15 to 2880 in steps of 15.");
            }
            copyDuration = Duration.ofMinutes(minutes);
        }
        Cloud.Region sourceRegion = cloud.region(sourceRegionName);
        if (!IMAGE_ID.matcher(sourceImageId).matches()) {
            throw new ApiException("InvalidAMIID.Malformed", "Invalid id: \"" + sourceImageId + "\" (expecting \"ami-...\")");
        }
        Image source = sourceRegion.images.get(sourceImageId);
        if (source == null || !source.visible(cloud.now()) || !canUse(source)) {
            throw new ApiException("InvalidAMIID.NotFound", "The image id '[" + sourceImageId + "]' does not exist");
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
        long copying = region.images.values().stream()
                .filter(i -> i.sourceImageId != null && i.registered() && i.state(now).equals("pending")).count();
        if (copying >= MAX_CONCURRENT_COPIES) {
            throw new ApiException("ResourceLimitExceeded", "You have reached the limit of " + MAX_CONCURRENT_COPIES
                    + " concurrent AMI copies in " + region.name + ".");
        }
        Image image = newImage(region, name, p.get("Description", source.description), now, now.plus(copyDuration));
        image.architecture = source.architecture;
        image.rootDeviceName = source.rootDeviceName;
        image.platformDetails = source.platformDetails;
        image.sourceRegion = sourceRegionName;
        image.sourceImageId = sourceImageId;
        image.encrypted = encrypted || source.encrypted;
        String defaultKey = "arn:aws:kms:" + region.name + ":" + Cloud.ACCOUNT + ":alias/aws/ebs";
        image.kmsKeyId = kmsKeyId != null ? kmsKeyId : image.encrypted ? defaultKey : null;
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
        xml.el("imageId", image.id);
    }

    private void deregisterImage(Cloud.Region region, QueryParams p, Xml xml) {
        Image image = ownImage(region, p.require("ImageId"));
        dryRun(p);
        image.deregisteredAt = cloud.now();
        if (p.bool("DeleteAssociatedSnapshots")) {
            for (String id : image.snapshotIds()) {
                Snapshot s = region.snapshots.get(id);
                if (s != null && !stillUsed(region, s)) {
                    s.deleted = true;
                }
            }
        }
        xml.el("return", true);
    }

    private static ApiException unavailable(String imageId, String state) {
        return new ApiException("InvalidAMIID.Unavailable", "The AMI ID '" + imageId + "' is currently " + state
                + " and may not be used for this operation");
    }

    private Image ownImage(Cloud.Region region, String imageId) {
        Instant now = cloud.now();
        Image image = byIds(List.of(imageId), region.images.values().stream().filter(i -> i.visible(now))
                .filter(this::canUse).toList(), i -> i.id, IMAGE_ID, "InvalidAMIID", "image id").get(0);
        if (!image.ownerId.equals(Cloud.ACCOUNT)) {
            throw new ApiException("AuthFailure", "Not authorized for image:" + imageId);
        }
        return image;
    }

    private boolean canUse(Image image) {
        return isPublic(image) || image.ownerId.equals(Cloud.ACCOUNT) || image.launchUserIds.contains(Cloud.ACCOUNT);
    }

    private static boolean isPublic(Image image) {
        return image.isPublic || image.launchGroups.contains("all");
    }

    private static boolean ownedBy(Image image, String owner) {
        return switch (owner) {
            case "self" -> image.ownerId.equals(Cloud.ACCOUNT);
            case "amazon", "aws-marketplace", "aws-backup-vault" -> owner.equals(image.ownerAlias);
            default -> image.ownerId.equals(owner);
        };
    }

    private static boolean executableBy(Image image, String who) {
        return switch (who) {
            case "all" -> isPublic(image);
            case "self" -> isPublic(image) || image.launchUserIds.contains(Cloud.ACCOUNT);
            default -> isPublic(image) || image.launchUserIds.contains(who);
        };
    }

    private void modifyImageAttribute(Cloud.Region region, QueryParams p, Xml xml) {
        Image image = ownImage(region, p.require("ImageId"));
        String attribute = p.get("Attribute");
        List<String> addUsers = new ArrayList<>();
        List<String> addGroups = new ArrayList<>();
        List<String> removeUsers = new ArrayList<>();
        List<String> removeGroups = new ArrayList<>();
        for (QueryParams m : p.members("LaunchPermission.Add")) {
            addIfPresent(addUsers, m.get("UserId"));
            addIfPresent(addGroups, m.get("Group"));
        }
        for (QueryParams m : p.members("LaunchPermission.Remove")) {
            addIfPresent(removeUsers, m.get("UserId"));
            addIfPresent(removeGroups, m.get("Group"));
        }
        String operation = p.get("OperationType");
        if (operation != null) {
            List<String> users = p.list("UserId");
            List<String> groups = p.list("UserGroup");
            if (operation.equals("add")) {
                addUsers.addAll(users);
                addGroups.addAll(groups);
            } else if (operation.equals("remove")) {
                removeUsers.addAll(users);
                removeGroups.addAll(groups);
            } else {
                throw ApiException.invalidParameter("Value (" + operation + ") for parameter operationType is invalid.");
            }
        }
        String description = p.get("Description.Value", p.get("Value"));
        boolean launchPermission = !addUsers.isEmpty() || !addGroups.isEmpty() || !removeUsers.isEmpty()
                || !removeGroups.isEmpty();
        if (!launchPermission && description == null) {
            if (attribute == null) {
                throw ApiException.missingParameter("Attribute");
            }
            throw ApiException.invalidParameter("No launch permission or description to modify for attribute " + attribute);
        }
        for (String user : concat(addUsers, removeUsers)) {
            if (!ACCOUNT_ID.matcher(user).matches()) {
                throw new ApiException("InvalidAMIAttributeItemValue", "Invalid attribute item value \"" + user
                        + "\" for userId item type.");
            }
        }
        for (String group : concat(addGroups, removeGroups)) {
            if (!group.equals("all")) {
                throw new ApiException("InvalidAMIAttributeItemValue", "Invalid attribute item value \"" + group
                        + "\" for group item type.");
            }
        }
        String state = image.state(cloud.now());
        if (launchPermission && !state.equals("available")) {
            throw unavailable(image.id, state);
        }
        if (image.launchUserIds.size() + addUsers.size() > 1000) {
            throw new ApiException("ResourceLimitExceeded", "An AMI can be shared with at most 1000 accounts.");
        }
        dryRun(p);
        image.launchUserIds.addAll(addUsers);
        image.launchGroups.addAll(addGroups);
        removeUsers.forEach(image.launchUserIds::remove);
        removeGroups.forEach(image.launchGroups::remove);
        if (description != null) {
            image.description = description;
        }
        xml.el("return", true);
    }

    private static void addIfPresent(List<String> list, String value) {
        if (value != null) {
            list.add(value);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private void describeImageAttribute(Cloud.Region region, QueryParams p, Xml xml) {
        String imageId = p.require("ImageId");
        String attribute = p.require("Attribute");
        Instant now = cloud.now();
        Image image = byIds(List.of(imageId), region.images.values().stream().filter(i -> i.visible(now))
                .filter(this::canUse).toList(), i -> i.id, IMAGE_ID, "InvalidAMIID", "image id").get(0);
        dryRun(p);
        xml.el("imageId", image.id);
        switch (attribute) {
            case "launchPermission" -> {
                if (!image.ownerId.equals(Cloud.ACCOUNT)) {
                    throw new ApiException("AuthFailure", "Not authorized for image:" + imageId);
                }
                xml.open("launchPermission");
                image.launchGroups.forEach(g -> xml.open("item").el("group", g).close());
                image.launchUserIds.forEach(u -> xml.open("item").el("userId", u).close());
                xml.close();
            }
            case "description" -> {
                xml.open("description");
                xml.el("value", image.description);
                xml.close();
            }
            case "blockDeviceMapping" -> {
                xml.open("blockDeviceMapping");
                for (BlockDevice d : image.blockDevices) {
                    xml.open("item").el("deviceName", d.deviceName()).open("ebs").el("snapshotId", d.snapshotId())
                            .el("volumeSize", d.volumeSize()).el("deleteOnTermination", d.deleteOnTermination())
                            .el("volumeType", d.volumeType()).el("encrypted", d.encrypted()).close().close();
                }
                xml.close();
            }
            default -> throw ApiException.invalidParameter("Value (" + attribute
                    + ") for parameter attribute is invalid. Supported here: launchPermission, description, "
                    + "blockDeviceMapping");
        }
    }

    // ---- snapshots

    private void describeSnapshots(Cloud.Region region, QueryParams p, Xml xml) {
        dryRun(p);
        Instant now = cloud.now();
        List<String> ids = p.list("SnapshotId");
        List<Snapshot> visible = region.snapshots.values().stream().filter(s -> !s.deleted).toList();
        List<Snapshot> selected = ids.isEmpty() ? visible : byIds(ids, visible, s -> s.id, SNAPSHOT_ID,
                "InvalidSnapshot", "snapshot");
        List<String> owners = p.list("Owner");
        if (!owners.isEmpty()) {
            selected = selected.stream().filter(s -> owners.contains(s.ownerId)
                    || owners.contains("self") && s.ownerId.equals(Cloud.ACCOUNT)).toList();
        }
        Map<String, Function<Snapshot, List<String>>> fields = new LinkedHashMap<>();
        fields.put("snapshot-id", s -> List.of(s.id));
        fields.put("status", s -> List.of(s.state(now)));
        fields.put("owner-id", s -> List.of(s.ownerId));
        fields.put("volume-id", s -> List.of(s.volumeId));
        fields.put("volume-size", s -> List.of(String.valueOf(s.volumeSize)));
        fields.put("description", s -> List.of(s.description));
        fields.put("encrypted", s -> List.of(String.valueOf(s.encrypted)));
        fields.put("progress", s -> List.of(s.progress(now)));
        addTagFields(fields, s -> s.tags);
        List<QueryParams> filters = p.members("Filter");
        List<Snapshot> matching = selected.stream().filter(s -> matches(s, filters, fields)).toList();
        List<Snapshot> page = page(matching, p);
        xml.open("snapshotSet");
        for (Snapshot s : page) {
            String state = s.state(now);
            xml.open("item").el("snapshotId", s.id).el("volumeId", s.volumeId).el("status", state)
                    .el("startTime", s.startTime).el("progress", s.progress(now)).el("ownerId", s.ownerId)
                    .el("volumeSize", s.volumeSize).el("description", s.description).el("encrypted", s.encrypted)
                    .el("kmsKeyId", s.kmsKeyId).tagSet(s.tags).el("storageTier", "standard");
            if (state.equals("error")) {
                xml.el("stateMessage", "Snapshot creation failed: the image it belongs to failed");
            }
            if (state.equals("completed")) {
                xml.el("completionTime", s.completeAt);
            }
            xml.close();
        }
        xml.close();
        pageToken(matching, p, xml);
    }

    private void deleteSnapshot(Cloud.Region region, QueryParams p, Xml xml) {
        String id = p.require("SnapshotId");
        Snapshot s = byIds(List.of(id), region.snapshots.values().stream().filter(x -> !x.deleted).toList(),
                x -> x.id, SNAPSHOT_ID, "InvalidSnapshot", "snapshot").get(0);
        if (!s.ownerId.equals(Cloud.ACCOUNT)) {
            throw new ApiException("AuthFailure", "Not authorized for snapshot:" + id);
        }
        for (Image image : region.images.values()) {
            if (image.registered() && image.snapshotIds().contains(id)) {
                throw new ApiException("InvalidSnapshot.InUse", "The snapshot " + id + " is currently in use by "
                        + image.id);
            }
        }
        dryRun(p);
        s.deleted = true;
        xml.el("return", true);
    }

    private boolean stillUsed(Cloud.Region region, Snapshot s) {
        return region.images.values().stream().anyMatch(i -> i.registered() && i.snapshotIds().contains(s.id));
    }

    // ---- tags

    private void createTags(Cloud.Region region, QueryParams p, Xml xml) {
        List<String> ids = p.list("ResourceId");
        if (ids.isEmpty()) {
            throw ApiException.missingParameter("ResourceId");
        }
        Map<String, String> tags = tags(p.members("Tag"), true);
        List<Map<String, String>> targets = ids.stream().map(id -> tagsOf(region, id)).toList();
        for (Map<String, String> target : targets) {
            Map<String, String> merged = new LinkedHashMap<>(target);
            merged.putAll(tags);
            if (merged.size() > 50) {
                throw new ApiException("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.");
            }
        }
        dryRun(p);
        targets.forEach(t -> t.putAll(tags));
        xml.el("return", true);
    }

    private void deleteTags(Cloud.Region region, QueryParams p, Xml xml) {
        List<String> ids = p.list("ResourceId");
        if (ids.isEmpty()) {
            throw ApiException.missingParameter("ResourceId");
        }
        List<QueryParams> tagParams = p.members("Tag");
        List<Map<String, String>> targets = ids.stream().map(id -> tagsOf(region, id)).toList();
        dryRun(p);
        for (Map<String, String> target : targets) {
            if (tagParams.isEmpty()) {
                target.keySet().removeIf(k -> !k.startsWith("aws:"));
            }
            for (QueryParams t : tagParams) {
                String key = t.get("Key");
                String value = t.get("Value");
                if (key != null && (value == null || value.equals(target.get(key)))) {
                    target.remove(key);
                }
            }
        }
        xml.el("return", true);
    }

    private Map<String, String> tagsOf(Cloud.Region region, String id) {
        Instant now = cloud.now();
        if (id.startsWith("i-")) {
            return byIds(List.of(id), region.instances.values().stream().filter(i -> !now.isBefore(i.visibleAt))
                    .toList(), i -> i.id, INSTANCE_ID, "InvalidInstanceID", "instance ID").get(0).tags;
        }
        if (id.startsWith("ami-")) {
            return byIds(List.of(id), region.images.values().stream().filter(i -> i.visible(now)).filter(this::canUse)
                    .toList(), i -> i.id, IMAGE_ID, "InvalidAMIID", "image id").get(0).tags;
        }
        if (id.startsWith("snap-")) {
            return byIds(List.of(id), region.snapshots.values().stream().filter(s -> !s.deleted).toList(),
                    s -> s.id, SNAPSHOT_ID, "InvalidSnapshot", "snapshot").get(0).tags;
        }
        throw new ApiException("InvalidID", "The ID '" + id + "' is not valid");
    }

    /** TagSpecification.N: tags by resource type, each type checked against those the action accepts. */
    private static Map<String, Map<String, String>> tagSpecifications(QueryParams p, Set<String> allowed) {
        Map<String, Map<String, String>> byType = new LinkedHashMap<>();
        for (QueryParams spec : p.members("TagSpecification")) {
            String type = spec.get("ResourceType");
            if (type == null) {
                throw ApiException.missingParameter("TagSpecification.ResourceType");
            }
            if (!allowed.contains(type)) {
                throw ApiException.invalidParameter("'" + type + "' is not a valid taggable resource type for this "
                        + "operation.");
            }
            byType.computeIfAbsent(type, t -> new LinkedHashMap<>()).putAll(tags(spec.members("Tag"), true));
        }
        return byType;
    }

    private static Map<String, String> tags(List<QueryParams> members, boolean requireValue) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (QueryParams t : members) {
            String key = t.get("Key");
            String value = t.get("Value", "");
            if (key == null || key.isEmpty()) {
                throw ApiException.invalidParameter("Tag key must not be empty");
            }
            if (key.length() > 128) {
                throw ApiException.invalidParameter("Tag key exceeds the maximum length of 128 characters");
            }
            if (value.length() > 256) {
                throw ApiException.invalidParameter("Tag value exceeds the maximum length of 256 characters");
            }
            if (key.toLowerCase().startsWith("aws:")) {
                throw ApiException.invalidParameter("Tag keys starting with 'aws:' are reserved for internal use");
            }
            tags.put(key, value);
        }
        if (tags.size() > 50) {
            throw new ApiException("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.");
        }
        return tags;
    }

    // ---- shared helpers

    /** Resolves ids against the visible resources; unknown ids fail the whole call, as in EC2. */
    private static <T> List<T> byIds(List<String> ids, List<T> visible, Function<T, String> id, Pattern format,
            String codePrefix, String noun) {
        Map<String, T> byId = new LinkedHashMap<>();
        visible.forEach(v -> byId.put(id.apply(v), v));
        List<String> missing = new ArrayList<>();
        List<T> found = new ArrayList<>();
        for (String wanted : ids) {
            if (!format.matcher(wanted).matches()) {
                String expecting = format.pattern().substring(0, format.pattern().indexOf('-') + 1);
                throw new ApiException(codePrefix + ".Malformed", "Invalid id: \"" + wanted + "\" (expecting \""
                        + expecting + "...\")");
            }
            T t = byId.get(wanted);
            if (t == null) {
                missing.add(wanted);
            } else if (!found.contains(t)) {
                found.add(t);
            }
        }
        if (!missing.isEmpty()) {
            String message = switch (codePrefix) {
                case "InvalidAMIID" -> "The image id '[" + String.join(", ", missing) + "]' does not exist";
                case "InvalidSnapshot" -> "The snapshot '" + String.join(", ", missing) + "' does not exist.";
                default -> missing.size() == 1 ? "The " + noun + " '" + missing.get(0) + "' does not exist"
                        : "The " + noun + "s '" + String.join(", ", missing) + "' do not exist";
            };
            throw new ApiException(codePrefix + ".NotFound", message);
        }
        return found;
    }

    private static <T> void addTagFields(Map<String, Function<T, List<String>>> fields,
            Function<T, Map<String, String>> tags) {
        fields.put("tag-key", t -> List.copyOf(tags.apply(t).keySet()));
        fields.put("tag-value", t -> List.copyOf(tags.apply(t).values()));
    }

    /** Every filter must match (AND); within a filter any value may match (OR); values take * and ? wildcards. */
    private static <T> boolean matches(T item, List<QueryParams> filters, Map<String, Function<T, List<String>>> fields) {
        for (QueryParams f : filters) {
            String name = f.get("Name");
            if (name == null) {
                throw ApiException.missingParameter("Filter.Name");
            }
            List<String> wanted = f.list("Value");
            List<String> actual;
            if (name.startsWith("tag:")) {
                Function<T, List<String>> keys = fields.get("tag-key");
                Function<T, List<String>> values = fields.get("tag-value");
                if (keys == null) {
                    throw ApiException.invalidParameter("The filter '" + name + "' is invalid");
                }
                String key = name.substring(4);
                List<String> k = keys.apply(item);
                List<String> v = values.apply(item);
                int index = k.indexOf(key);
                actual = index < 0 ? List.of() : List.of(v.get(index));
            } else {
                Function<T, List<String>> field = fields.get(name);
                if (field == null) {
                    throw ApiException.invalidParameter("The filter '" + name + "' is invalid");
                }
                actual = field.apply(item);
            }
            boolean any = wanted.stream().anyMatch(w -> actual.stream().anyMatch(a -> wildcard(w).matcher(a).matches()));
            if (!any) {
                return false;
            }
        }
        return true;
    }

    private static Pattern wildcard(String value) {
        StringBuilder regex = new StringBuilder();
        for (char c : value.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    private static <T> List<T> page(List<T> all, QueryParams p) {
        int max = p.integer("MaxResults", Integer.MAX_VALUE);
        int from = offset(p);
        return all.subList(Math.min(from, all.size()), (int) Math.min(all.size(), (long) from + max));
    }

    private static <T> void pageToken(List<T> all, QueryParams p, Xml xml) {
        int max = p.integer("MaxResults", Integer.MAX_VALUE);
        long next = (long) offset(p) + max;
        if (next < all.size()) {
            xml.el("nextToken", "sandbox-" + next);
        }
    }

    private static int offset(QueryParams p) {
        String token = p.get("NextToken");
        if (token == null || token.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(token.replace("sandbox-", ""));
        } catch (NumberFormatException e) {
            throw ApiException.invalidParameter("The nextToken '" + token + "' is invalid");
        }
    }

    /** The request's parameters minus those that do not change its meaning, for ClientToken idempotency. */
    private static String fingerprint(QueryParams p) {
        return p.asMap().entrySet().stream()
                .filter(e -> !Set.of("ClientToken", "DryRun", "Version", "Action").contains(e.getKey()))
                .sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
    }
}
