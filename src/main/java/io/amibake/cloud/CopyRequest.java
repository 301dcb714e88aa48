package io.amibake.cloud;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

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
        // Sorted, not Map.copyOf's order, which changes with every JVM: the tags are part of the
        // request that the client token stands for, and a resumed copy must send them alike.
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
    }
}
