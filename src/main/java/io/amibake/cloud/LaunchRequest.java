package io.amibake.cloud;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code RunInstances} needs to start a build instance.
 *
 * @param rootDevice  the source image's root device name, whose volume gets the size and encryption
 * @param clientToken makes the launch idempotent: the same token returns the same instance
 * @param volumeSize  root volume size in GiB, or 0 to keep the image's own
 */
public record LaunchRequest(String imageId, String rootDevice, String instanceType, String subnet,
                            List<String> securityGroups, String instanceProfile, int volumeSize,
                            Map<String, String> tags, String clientToken) {

    public LaunchRequest {
        Objects.requireNonNull(rootDevice, "rootDevice");
        securityGroups = List.copyOf(securityGroups);
        // In the given order, not Map.copyOf's, which changes with every JVM: the tags are part of
        // the request that a resume sends again with the same client token, and must match.
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }
}
