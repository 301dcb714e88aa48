package io.amibake.aws;

import java.util.Map;

/**
 * What {@code CopyImage} needs to copy an image into another region.
 *
 * @param clientToken up to 64 ASCII characters; the same token re-attaches to the same copy
 * @param kmsKeyId    the destination region's key for an encrypted copy, or null for the default
 * @param tags        put on the copy and its snapshots as they are created
 */
public record CopyRequest(String sourceRegion, String sourceImageId, String name, String description,
                          String clientToken, boolean encrypted, String kmsKeyId, Map<String, String> tags) {

    public CopyRequest {
        tags = Map.copyOf(tags);
    }
}
