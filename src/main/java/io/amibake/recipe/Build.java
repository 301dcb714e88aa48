package io.amibake.recipe;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The build instance.
 *
 * @param instanceType    an EC2 instance type
 * @param subnet          the subnet id, or {@code null} for the default VPC
 * @param securityGroups  security group ids; none need an inbound rule
 * @param instanceProfile the instance profile whose role allows SSM, or {@code null}
 * @param volumeSize      the root volume size in GiB, or 0 for the image's own
 * @param onFailure       what happens to the instance when the bake fails
 * @param timeout         the longest the whole bake may take
 */
public record Build(
        String instanceType,
        String subnet,
        List<String> securityGroups,
        String instanceProfile,
        int volumeSize,
        OnFailure onFailure,
        Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(2);

    public Build {
        Objects.requireNonNull(instanceType, "instanceType");
        securityGroups = List.copyOf(securityGroups == null ? List.of() : securityGroups);
        onFailure = onFailure == null ? OnFailure.STOP : onFailure;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    }
}
