package io.amibake.aws;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code RunInstances} needs to start a build instance.
 *
 * @param clientToken makes the launch idempotent: the same token returns the same instance
 * @param volumeSize  root volume size in GiB, or 0 to keep the image's own
 */
public record LaunchRequest(String imageId, String instanceType, String subnet,
                            List<String> securityGroups, String instanceProfile, int volumeSize,
                            Map<String, String> tags, String clientToken) {

    public LaunchRequest {
        securityGroups = List.copyOf(securityGroups);
        // In the given order, not Map.copyOf's, which changes with every JVM: the tags are part of
        // the request that a resume sends again with the same client token, and must match.
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }
}
