package io.amibake.sandbox;

import static io.amibake.sandbox.Ec2Api.dryRun;
import static io.amibake.sandbox.Ec2Filters.SNAPSHOT_ID;
import static io.amibake.sandbox.Ec2Filters.addTagFields;
import static io.amibake.sandbox.Ec2Filters.byIds;
import static io.amibake.sandbox.Ec2Filters.matches;
import static io.amibake.sandbox.Ec2Filters.page;
import static io.amibake.sandbox.Ec2Filters.pageToken;

import io.amibake.sandbox.Cloud.Image;
import io.amibake.sandbox.Cloud.Snapshot;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * EBS snapshots: DescribeSnapshots and DeleteSnapshot. Snapshots are made by CreateImage and
 * CopyImage ({@link Ec2Images}); one still used by a registered image cannot be deleted.
 */
final class Ec2Snapshots {

    private final Cloud cloud;

    Ec2Snapshots(Cloud cloud) {
        this.cloud = cloud;
    }

    void describeSnapshots(Cloud.Region region, QueryParams p, Xml xml) {
        dryRun(p);
        Instant now = cloud.now();
        List<String> ids = p.list("SnapshotId");
        List<Snapshot> visible = region.snapshots.values().stream().filter(s -> !s.deleted).toList();
        List<Snapshot> selected = ids.isEmpty() ? visible : byIds(ids, visible, s -> s.id, SNAPSHOT_ID,
                "InvalidSnapshot", "snapshot");
        List<String> owners = p.list("Owner");
        if (!owners.isEmpty()) {
            selected = selected.stream().filter(s -> owners.contains(s.ownerId)
                    || owners.contains("self") && s.ownerId.equals(region.account)).toList();
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

    void deleteSnapshot(Cloud.Region region, QueryParams p, Xml xml) {
        String id = p.require("SnapshotId");
        Snapshot s = liveSnapshot(region, id);
        if (!s.ownerId.equals(region.account)) {
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

    static boolean stillUsed(Cloud.Region region, Snapshot s) {
        return region.images.values().stream().anyMatch(i -> i.registered() && i.snapshotIds().contains(s.id));
    }

    /** The snapshot with this id, unless deleted; an unknown id fails the call. */
    static Snapshot liveSnapshot(Cloud.Region region, String id) {
        return byIds(List.of(id), region.snapshots.values().stream().filter(x -> !x.deleted).toList(),
                x -> x.id, SNAPSHOT_ID, "InvalidSnapshot", "snapshot").get(0);
    }
}
