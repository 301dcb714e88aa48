package io.amibake.sandbox;

import static io.amibake.sandbox.Ec2Api.dryRun;
import static io.amibake.sandbox.Ec2Api.fingerprint;
import static io.amibake.sandbox.Ec2Filters.INSTANCE_ID;
import static io.amibake.sandbox.Ec2Filters.addTagFields;
import static io.amibake.sandbox.Ec2Filters.byIds;
import static io.amibake.sandbox.Ec2Filters.matches;
import static io.amibake.sandbox.Ec2Filters.page;
import static io.amibake.sandbox.Ec2Filters.pageToken;

import io.amibake.sandbox.Cloud.BlockDevice;
import io.amibake.sandbox.Cloud.Image;
import io.amibake.sandbox.Cloud.Instance;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * EC2 instances: RunInstances, DescribeInstances, Start/Stop/TerminateInstances and the
 * reservation XML they answer with. An instance's state is read from its {@link Timeline}.
 */
final class Ec2Instances {

    private static final DateTimeFormatter REASON_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'GMT'").withZone(ZoneOffset.UTC);
    static final String USER_SHUTDOWN = "Client.UserInitiatedShutdown";
    static final String INSTANCE_SHUTDOWN = "Client.InstanceInitiatedShutdown";
    private static final Duration TERMINATED_VISIBLE = Duration.ofHours(1);

    private final Cloud cloud;

    Ec2Instances(Cloud cloud) {
        this.cloud = cloud;
    }

    void runInstances(Cloud.Region region, QueryParams p, Xml xml) {
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
        Map<String, Map<String, String>> tagSpecs = Ec2Tags.tagSpecifications(p, Set.of("instance", "volume", "network-interface"));
        String token = p.get("ClientToken");
        if (token != null && token.length() > 64) {
            throw ApiException.invalidParameter("Value for parameter clientToken is invalid: longer than 64 characters.");
        }
        Image image = imageForLaunch(region, imageId);
        if (p.get("InstanceType") != null) {
            Ec2InstanceTypes.requireOffered(region, p.get("InstanceType"));
        }
        requireInstanceProfile(p, region.account);
        Ec2Network.Placement placement = Ec2Network.placement(region, p.get("SubnetId"), p.list("SecurityGroupId"),
                p.list("SecurityGroup"));
        dryRun(p);
        if (token != null) {
            String fingerprint = fingerprint(p);
            Cloud.RunToken known = region.runTokens.get(token);
            if (known != null) {
                if (!known.fingerprint().equals(fingerprint)) {
                    throw new ApiException("IdempotentParameterMismatch", "Arguments on this idempotent request are "
                            + "inconsistent with arguments used in previous request(s).");
                }
                // EC2's error codes: the token keeps pointing at its instance for at least 24 hours
                // after termination, and then the call no longer returns it (IdempotentInstanceTerminated).
                Instant now = cloud.now();
                if (known.instanceIds().stream().map(region.instances::get)
                        .allMatch(i -> Set.of("shutting-down", "terminated").contains(i.state(now)))) {
                    throw new ApiException("IdempotentInstanceTerminated", "The client token " + token
                            + " was used by a request whose instances have been terminated.");
                }
                writeReservationBody(region.account, xml, known.reservationId(),
                        known.instanceIds().stream().map(region.instances::get).toList());
                return;
            }
        }
        List<BlockDevice> devices = blockDevices(region, image, p);
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
                            ? "arn:aws:iam::" + region.account + ":instance-profile/" + p.get("IamInstanceProfile.Name")
                            : null;
            in.shutdownBehavior = shutdown;
            in.httpTokens = httpTokens != null ? httpTokens : image.name.startsWith("al2023") ? "required" : "optional";
            in.httpEndpoint = p.get("MetadataOptions.HttpEndpoint", "enabled");
            in.httpPutResponseHopLimit = p.integer("MetadataOptions.HttpPutResponseHopLimit",
                    in.httpTokens.equals("required") ? 2 : 1);
            in.architecture = image.architecture;
            in.privateIp = "10.0." + ThreadLocalRandom.current().nextInt(1, 255) + "."
                    + ThreadLocalRandom.current().nextInt(4, 255);
            in.subnetId = placement.subnet().id();
            in.vpcId = placement.subnet().vpcId();
            in.availabilityZone = placement.subnet().availabilityZone();
            in.securityGroups = placement.groups();
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
            in.timeline.then(now.plus(cloud.transition(cloud.profile.instanceRunning())), "running");
            region.instances.put(in.id, in);
            if (cloud.machines != null && image.layers != null) {
                in.machine = cloud.machines.launch(in, image.layers);
            } else {
                in.contents = InstanceContents.of(image).boot();
            }
            launched.add(in);
        }
        if (token != null) {
            region.runTokens.put(token, new Cloud.RunToken(fingerprint(p), reservationId,
                    launched.stream().map(i -> i.id).toList()));
        }
        writeReservationBody(region.account, xml, reservationId, launched);
    }

    /** EC2 checks the instance profile before launching, DryRun included (IAM is global: one set for every region). */
    private void requireInstanceProfile(QueryParams p, String account) {
        String arn = p.get("IamInstanceProfile.Arn");
        String name = p.get("IamInstanceProfile.Name");
        if (arn != null) {
            String prefix = "arn:aws:iam::" + account + ":instance-profile/";
            if (!arn.startsWith(prefix) || !cloud.instanceProfiles.contains(arn.substring(arn.lastIndexOf('/') + 1))) {
                throw ApiException.invalidParameter("Value (" + arn + ") for parameter iamInstanceProfile.arn is"
                        + " invalid. Invalid IAM Instance Profile ARN");
            }
        } else if (name != null && !cloud.instanceProfiles.contains(name)) {
            throw ApiException.invalidParameter("Value (" + name + ") for parameter iamInstanceProfile.name is invalid."
                    + " Invalid IAM Instance Profile name");
        }
    }

    private Image imageForLaunch(Cloud.Region region, String imageId) {
        if (!Ec2Filters.IMAGE_ID.matcher(imageId).matches()) {
            throw new ApiException("InvalidAMIID.Malformed", "Invalid id: \"" + imageId + "\" (expecting \"ami-...\")");
        }
        Image image = cloud.imageSeenFrom(region, imageId);
        Instant now = cloud.now();
        if (image == null || !image.visible(now)) {
            throw new ApiException("InvalidAMIID.NotFound", "The image id '[" + imageId + "]' does not exist");
        }
        String state = image.state(now);
        if (!state.equals("available")) {
            throw new ApiException("InvalidAMIID.Unavailable", "AMI '" + imageId + "' is " + state
                    + ", and cannot be run");
        }
        return image;
    }

    private List<BlockDevice> blockDevices(Cloud.Region region, Image image, QueryParams p) {
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
            boolean encrypt = encrypted != null ? encrypted : base != null && base.encrypted();
            // EBS encrypts with the named key, else the region's default key, and reports the key's ARN.
            Cloud.KmsKey named = kms == null ? null : KmsApi.resolve(region, kms);
            String key = !encrypt ? null : named != null ? named.arn() : kms != null ? kms
                    : base != null && base.kmsKeyId() != null ? base.kmsKeyId()
                    : KmsApi.resolve(region, "alias/aws/ebs").arn();
            byName.put(name, new BlockDevice(name, base != null ? base.snapshotId() : null, size, volumeType,
                    encrypt, key,
                    deleteOnTermination != null ? deleteOnTermination : base == null || base.deleteOnTermination(), null));
        }
        return new ArrayList<>(byName.values());
    }

    void describeInstances(Cloud.Region region, QueryParams p, Xml xml) {
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
            writeReservationBody(region.account, xml, rid, list);
            xml.close();
        });
        xml.close();
        pageToken(matching, p, xml);
    }

    void startInstances(Cloud.Region region, QueryParams p, Xml xml) {
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
                if (in.contents != null) {
                    in.contents.boot();
                }
                if (in.machine != null) {
                    cloud.machines.boot(in);
                }
                in.timeline.cutAfter(now);
                in.timeline.then(now, "pending");
                in.timeline.then(now.plus(cloud.transition(cloud.profile.instanceRunning())), "running");
            }
        });
    }

    void stopInstances(Cloud.Region region, QueryParams p, Xml xml) {
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

    void terminateInstances(Cloud.Region region, QueryParams p, Xml xml) {
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

    /**
     * Plans a stop or a termination from {@code at}, forgetting whatever was planned after it. A
     * real machine reaches the end state when its container has really gone, and not before the
     * profile's time.
     */
    static void stop(Cloud cloud, Instance in, Instant at, String transit, String end, String reason) {
        Instant done = at.plus(cloud.transition(transit.equals("stopping") ? cloud.profile.instanceStopping()
                : cloud.profile.instanceTerminating()));
        in.timeline.cutAfter(at);
        in.timeline.then(at, transit);
        in.stateReasons.put(at, reason);
        if (in.machine == null) {
            in.timeline.then(done, end);
            in.stateReasons.put(done, reason);
            return;
        }
        Timeline.Entry planned = in.timeline.last();
        cloud.machines.shutDown(in, end.equals("terminated"), () -> {
            // Unless another action has planned something else since.
            if (in.timeline.last().equals(planned)) {
                Instant now = cloud.now();
                Instant reached = now.isAfter(done) ? now : done;
                in.timeline.then(reached, end);
                in.stateReasons.put(reached, reason);
            }
        });
    }

    private void stop(Instance in, Instant at, String transit, String end, String reason) {
        stop(cloud, in, at, transit, end, reason);
    }

    private List<Instance> requireInstances(Cloud.Region region, QueryParams p) {
        List<String> ids = p.list("InstanceId");
        if (ids.isEmpty()) {
            throw ApiException.missingParameter("InstanceId");
        }
        return instancesByIds(region, ids, cloud.now());
    }

    /** The instances with these ids that EC2 already shows; an unknown id fails the call. */
    static List<Instance> instancesByIds(Cloud.Region region, List<String> ids, Instant now) {
        return byIds(ids, region.instances.values().stream().filter(i -> !now.isBefore(i.visibleAt)).toList(),
                i -> i.id, INSTANCE_ID, "InvalidInstanceID", "instance ID");
    }

    private void writeStateChanges(Xml xml, List<Instance> instances, Instant now,
            Consumer<Instance> change) {
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

    private void writeReservationBody(String account, Xml xml, String reservationId, List<Instance> instances) {
        Instant now = cloud.now();
        xml.el("reservationId", reservationId).el("ownerId", account);
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
            xml.open("placement").el("availabilityZone", in.availabilityZone).el("groupName", "")
                    .el("tenancy", "default").close();
            xml.open("monitoring").el("state", "disabled").close();
            if (!state.equals("terminated")) {
                xml.el("subnetId", in.subnetId).el("vpcId", in.vpcId).el("privateIpAddress", in.privateIp);
            }
            xml.el("sourceDestCheck", true);
            xml.open("groupSet");
            for (Cloud.SecurityGroup g : in.securityGroups) {
                xml.open("item").el("groupId", g.id()).el("groupName", g.name()).close();
            }
            xml.close();
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
}
