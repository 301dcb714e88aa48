package io.amibake.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A view of one image as the sandbox sees it now; instants are sandbox time and
 * {@code completedAt} is null while the image is pending.
 */
public record SandboxImage(String region, String imageId, String name, String state, Map<String, String> tags,
        List<String> snapshotIds, String sourceRegion, String sourceImageId, List<String> launchPermissionUserIds,
        boolean encrypted, String kmsKeyId, Instant createdAt, Instant completedAt, String account,
        List<String> launchPermissionOrganizations) {

    public SandboxImage {
        launchPermissionOrganizations = List.copyOf(launchPermissionOrganizations);
        tags = Map.copyOf(tags);
        snapshotIds = List.copyOf(snapshotIds);
        launchPermissionUserIds = List.copyOf(launchPermissionUserIds);
    }
}
