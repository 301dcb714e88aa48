package io.amibake.cloud;

import java.util.List;
import java.util.Map;

/**
 * A resource found by one of its tags, whatever its kind: enough to say whose it is and to
 * remove it.
 *
 * @param kind        {@code instance}, {@code image} or {@code snapshot}
 * @param state       its EC2 state, such as {@code stopped}, {@code available} or {@code completed}
 * @param snapshotIds for an image, its snapshots; empty otherwise
 * @param image       for an image, all DescribeImages said of it; null otherwise
 */
public record Tagged(String kind, String id, String state, Map<String, String> tags, List<String> snapshotIds,
                     Image image) {

    public Tagged {
        tags = Map.copyOf(tags);
        snapshotIds = List.copyOf(snapshotIds);
    }

    /** An instance or a snapshot. */
    public Tagged(String kind, String id, String state, Map<String, String> tags, List<String> snapshotIds) {
        this(kind, id, state, tags, snapshotIds, null);
    }

    /** An image. */
    public static Tagged of(Image image) {
        return new Tagged("image", image.id(), image.state(), image.tags(), image.snapshotIds(), image);
    }
}
