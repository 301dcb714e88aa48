package io.amibake.cloud;

import java.util.List;
import java.util.Map;

/**
 * An AMI in one region.
 *
 * @param stateReason    why a failed image failed, or {@code null}
 * @param rootDeviceName the device its root volume is attached as, such as {@code /dev/xvda}
 * @param deregistrationProtected whether EC2 refuses to deregister it until its protection is disabled
 */
public record Image(String id, String name, String state, String stateReason,
                    Map<String, String> tags, List<String> snapshotIds, String creationDate, String rootDeviceName,
                    boolean deregistrationProtected) {

    public Image {
        tags = Map.copyOf(tags);
        snapshotIds = List.copyOf(snapshotIds);
    }

    public Image(String id, String name, String state, String stateReason, Map<String, String> tags,
                 List<String> snapshotIds, String creationDate, String rootDeviceName) {
        this(id, name, state, stateReason, tags, snapshotIds, creationDate, rootDeviceName, false);
    }

    public boolean isAvailable() {
        return "available".equals(state);
    }

    /** States from which an image never becomes available (docs/aws.md, CreateImage). */
    public boolean isFailed() {
        return switch (state) {
            case "failed", "error", "invalid", "deregistered", "disabled" -> true;
            default -> false;
        };
    }
}
