package io.amibake.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A view of one EC2 instance as the sandbox sees it now; instants are sandbox time. */
public record SandboxInstance(String region, String instanceId, String state, String imageId, String clientToken,
        Map<String, String> tags, String iamInstanceProfile, Instant launchedAt, String subnetId,
        List<String> securityGroupIds) {

    public SandboxInstance {
        tags = Map.copyOf(tags);
        securityGroupIds = List.copyOf(securityGroupIds);
    }
}
