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
 * @param kmsKey          the KMS key that encrypts the build's root volume, and so the image, or
 *                        {@code null} for the account's default EBS key; distribution to other
 *                        accounts needs a customer managed key they may use
 */
public record Build(
        String instanceType,
        String subnet,
        List<String> securityGroups,
        String instanceProfile,
        int volumeSize,
        OnFailure onFailure,
        Duration timeout,
        String kmsKey) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(2);

    /** A build whose volume takes the account's default EBS key. */
    public Build(String instanceType, String subnet, List<String> securityGroups, String instanceProfile,
                 int volumeSize, OnFailure onFailure, Duration timeout) {
        this(instanceType, subnet, securityGroups, instanceProfile, volumeSize, onFailure, timeout, null);
    }

    public Build {
        Objects.requireNonNull(instanceType, "instanceType");
        securityGroups = List.copyOf(securityGroups == null ? List.of() : securityGroups);
        onFailure = onFailure == null ? OnFailure.STOP : onFailure;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    }
}
