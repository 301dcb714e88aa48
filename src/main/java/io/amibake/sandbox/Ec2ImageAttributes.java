package io.amibake.sandbox;

import static io.amibake.sandbox.Ec2Api.dryRun;

import io.amibake.sandbox.Cloud.BlockDevice;
import io.amibake.sandbox.Cloud.Image;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * EC2 image attributes: ModifyImageAttribute and DescribeImageAttribute, that is launch
 * permissions (sharing an AMI with accounts or with everyone), the description and the block
 * device mapping.
 */
final class Ec2ImageAttributes {

    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    // EC2 API Reference, LaunchPermission: OrganizationArn and OrganizationalUnitArn.
    static final Pattern ORGANIZATION_ARN = Pattern.compile("arn:aws:organizations::\\d{12}:organization/o-[a-z0-9]{10,32}");
    static final Pattern OU_ARN = Pattern.compile(
            "arn:aws:organizations::\\d{12}:ou/o-[a-z0-9]{10,32}/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}");

    private final Cloud cloud;

    Ec2ImageAttributes(Cloud cloud) {
        this.cloud = cloud;
    }

    /**
     * EnableImageDeregistrationProtection and DisableImageDeregistrationProtection. The 24-hour
     * cooldown of {@code WithCooldown} is not modelled: disabling ends the protection at once.
     */
    void deregistrationProtection(Cloud.Region region, QueryParams p, Xml xml, boolean enable) {
        Image image = Ec2Images.ownImage(cloud, region, p.require("ImageId"), cloud.now());
        dryRun(p);
        image.deregistrationProtection = !enable ? "disabled"
                : p.bool("WithCooldown") ? "enabled-with-cooldown" : "enabled-without-cooldown";
        xml.el("return", true);
    }

    /** EnableImageDeprecation: from {@code DeprecateAt} on, listings omit the image unless asked. */
    void enableImageDeprecation(Cloud.Region region, QueryParams p, Xml xml) {
        Image image = Ec2Images.ownImage(cloud, region, p.require("ImageId"), cloud.now());
        String time = p.require("DeprecateAt");
        Instant at;
        try {
            at = Instant.parse(time);
        } catch (java.time.format.DateTimeParseException e) {
            throw ApiException.invalidParameter("Invalid value '" + time + "' for DeprecateAt");
        }
        dryRun(p);
        image.deprecationTime = at;
        xml.el("return", true);
    }

    void modifyImageAttribute(Cloud.Region region, QueryParams p, Xml xml) {
        Image image = Ec2Images.ownImage(cloud, region, p.require("ImageId"), cloud.now());
        String attribute = p.get("Attribute");
        List<String> addUsers = new ArrayList<>();
        List<String> addGroups = new ArrayList<>();
        List<String> removeUsers = new ArrayList<>();
        List<String> removeGroups = new ArrayList<>();
        List<String> addOrgs = new ArrayList<>();
        List<String> removeOrgs = new ArrayList<>();
        for (QueryParams m : p.members("LaunchPermission.Add")) {
            addIfPresent(addUsers, m.get("UserId"));
            addIfPresent(addGroups, m.get("Group"));
            addIfPresent(addOrgs, m.get("OrganizationArn"));
            addIfPresent(addOrgs, m.get("OrganizationalUnitArn"));
        }
        for (QueryParams m : p.members("LaunchPermission.Remove")) {
            addIfPresent(removeUsers, m.get("UserId"));
            addIfPresent(removeGroups, m.get("Group"));
            addIfPresent(removeOrgs, m.get("OrganizationArn"));
            addIfPresent(removeOrgs, m.get("OrganizationalUnitArn"));
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
        String imdsSupport = p.get("ImdsSupport.Value");
        if (imdsSupport != null && !imdsSupport.equals("v2.0")) {
            throw ApiException.invalidParameter("Value (" + imdsSupport + ") for parameter imdsSupport is invalid.");
        }
        boolean launchPermission = !addUsers.isEmpty() || !addGroups.isEmpty() || !removeUsers.isEmpty()
                || !removeGroups.isEmpty() || !addOrgs.isEmpty() || !removeOrgs.isEmpty();
        for (String arn : concat(addOrgs, removeOrgs)) {
            if (!ORGANIZATION_ARN.matcher(arn).matches() && !OU_ARN.matcher(arn).matches()) {
                throw new ApiException("InvalidAMIAttributeItemValue", "Invalid attribute item value \"" + arn
                        + "\" for organizationArn or organizationalUnitArn item type.");
            }
        }
        if (!launchPermission && description == null && imdsSupport == null) {
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
            throw Ec2Images.unavailable(image.id, state);
        }
        if (image.launchUserIds.size() + addUsers.size() > 1000) {
            throw new ApiException("ResourceLimitExceeded", "An AMI can be shared with at most 1000 accounts.");
        }
        dryRun(p);
        image.launchUserIds.addAll(addUsers);
        image.launchGroups.addAll(addGroups);
        removeUsers.forEach(image.launchUserIds::remove);
        removeGroups.forEach(image.launchGroups::remove);
        for (String arn : addOrgs) {
            (ORGANIZATION_ARN.matcher(arn).matches() ? image.launchOrganizations : image.launchOrganizationalUnits).add(arn);
        }
        removeOrgs.forEach(arn -> {
            image.launchOrganizations.remove(arn);
            image.launchOrganizationalUnits.remove(arn);
        });
        if (description != null) {
            image.description = description;
        }
        if (imdsSupport != null) {
            image.imdsSupport = imdsSupport;
        }
        xml.el("return", true);
    }

    /**
     * ModifySnapshotAttribute's {@code createVolumePermission}: the accounts that may create volumes from,
     * and so copy, the snapshot. EBS refuses to share a snapshot encrypted with an AWS managed key
     * (EBS User Guide, "Share an Amazon EBS snapshot"; the code and message are what users report).
     */
    void modifySnapshotAttribute(Cloud.Region region, QueryParams p, Xml xml) {
        String id = p.require("SnapshotId");
        Cloud.Snapshot snapshot = Ec2Snapshots.liveSnapshot(region, id);
        if (!snapshot.ownerId.equals(region.account)) {
            throw new ApiException("AuthFailure", "Not authorized for snapshot:" + id);
        }
        List<String> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        p.members("CreateVolumePermission.Add").forEach(m -> addIfPresent(add, m.get("UserId")));
        p.members("CreateVolumePermission.Remove").forEach(m -> addIfPresent(remove, m.get("UserId")));
        String operation = p.get("OperationType");
        if ("add".equals(operation)) {
            add.addAll(p.list("UserId"));
        } else if ("remove".equals(operation)) {
            remove.addAll(p.list("UserId"));
        }
        if (add.isEmpty() && remove.isEmpty()) {
            throw ApiException.missingParameter("CreateVolumePermission");
        }
        for (String user : concat(add, remove)) {
            if (!ACCOUNT_ID.matcher(user).matches()) {
                throw new ApiException("InvalidParameterValue", "Invalid user id \"" + user + "\"");
            }
        }
        Cloud.KmsKey key = snapshot.kmsKeyId == null ? null : KmsApi.resolve(region, snapshot.kmsKeyId);
        if (!add.isEmpty() && snapshot.encrypted && (key == null || key.keyManager().equals("AWS"))) {
            throw new ApiException("OperationNotPermitted", "Encrypted snapshots with EBS default key cannot be shared");
        }
        dryRun(p);
        snapshot.createVolumeUserIds.addAll(add);
        remove.forEach(snapshot.createVolumeUserIds::remove);
        xml.el("return", true);
    }

    /** DescribeSnapshotAttribute's {@code createVolumePermission}, for the snapshot's owner. */
    void describeSnapshotAttribute(Cloud.Region region, QueryParams p, Xml xml) {
        String id = p.require("SnapshotId");
        String attribute = p.require("Attribute");
        Cloud.Snapshot snapshot = Ec2Snapshots.liveSnapshot(region, id);
        if (!attribute.equals("createVolumePermission")) {
            throw ApiException.invalidParameter("Value (" + attribute + ") for parameter attribute is invalid."
                    + " Supported here: createVolumePermission");
        }
        dryRun(p);
        xml.el("snapshotId", id).open("createVolumePermission");
        snapshot.createVolumeUserIds.forEach(u -> xml.open("item").el("userId", u).close());
        xml.close();
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

    void describeImageAttribute(Cloud.Region region, QueryParams p, Xml xml) {
        String imageId = p.require("ImageId");
        String attribute = p.require("Attribute");
        Instant now = cloud.now();
        Image image = Ec2Images.usableImage(cloud, region, imageId, now);
        dryRun(p);
        xml.el("imageId", image.id);
        switch (attribute) {
            case "launchPermission" -> {
                if (!image.ownerId.equals(region.account)) {
                    throw new ApiException("AuthFailure", "Not authorized for image:" + imageId);
                }
                xml.open("launchPermission");
                image.launchGroups.forEach(g -> xml.open("item").el("group", g).close());
                image.launchUserIds.forEach(u -> xml.open("item").el("userId", u).close());
                image.launchOrganizations.forEach(o -> xml.open("item").el("organizationArn", o).close());
                image.launchOrganizationalUnits.forEach(o -> xml.open("item").el("organizationalUnitArn", o).close());
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
}
