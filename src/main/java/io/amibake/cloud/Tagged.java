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
 */
public record Tagged(String kind, String id, String state, Map<String, String> tags, List<String> snapshotIds) {

    public Tagged {
        tags = Map.copyOf(tags);
        snapshotIds = List.copyOf(snapshotIds);
    }
}
