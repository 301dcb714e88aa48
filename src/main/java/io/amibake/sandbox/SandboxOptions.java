package io.amibake.sandbox;

import java.util.Objects;

/**
 * How to start a {@link Sandbox}.
 *
 * @param port       the TCP port on 127.0.0.1; 0 picks a free one
 * @param timeScale  sandbox durations are multiplied by this (0.01 runs a bake in seconds); token
 *                   buckets refill 1/timeScale times faster
 * @param throttling whether EC2 and SSM token buckets answer RequestLimitExceeded / ThrottlingException
 * @param profile    how long each transition takes before scaling
 * @param copyLimit  concurrent (pending) AMI copies a destination region accepts; AWS documents
 *                   100 per destination region (docs/sandbox.md)
 * @param seed       when not null, each image's consistency and name-reuse delay is drawn from
 *                   0 to twice the profile's value by a random generator with this seed
 * @param variation  how much each transition (an instance's boot, stop or termination, an agent's
 *                   registration, a command, an image, a copy) varies around the profile's value:
 *                   by a factor e^u, u drawn uniformly from [-variation, variation] by a random
 *                   generator seeded with {@code seed} (0: every transition takes the profile's value)
 * @param machines   when not null, instances of the Debian image are real machines; null models them all
 */
public record SandboxOptions(int port, double timeScale, boolean throttling, LatencyProfile profile, int copyLimit,
                             Long seed, double variation, MachineOptions machines) {

    /** AWS's documented limit of concurrent AMI copies per destination region. */
    public static final int DEFAULT_COPY_LIMIT = 100;

    public SandboxOptions(int port, double timeScale, boolean throttling, LatencyProfile profile) {
        this(port, timeScale, throttling, profile, DEFAULT_COPY_LIMIT, null, 0, null);
    }

    public SandboxOptions {
        if (copyLimit < 1) {
            throw new IllegalArgumentException("copy limit must be at least 1, was " + copyLimit);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (!(timeScale > 0)) {
            throw new IllegalArgumentException("time scale must be positive, was " + timeScale);
        }
        Objects.requireNonNull(profile, "profile");
        if (!(variation >= 0) || variation > 0 && seed == null) {
            throw new IllegalArgumentException("variation must be at least 0, and needs a seed, was " + variation);
        }
    }

    /** Port 4566, real time, throttling on, the AWS-like profile. */
    public static SandboxOptions defaults() {
        return new SandboxOptions(4566, 1.0, true, LatencyProfile.aws());
    }

    public SandboxOptions withPort(int newPort) {
        return new SandboxOptions(newPort, timeScale, throttling, profile, copyLimit, seed, variation, machines);
    }

    public SandboxOptions withTimeScale(double newTimeScale) {
        return new SandboxOptions(port, newTimeScale, throttling, profile, copyLimit, seed, variation, machines);
    }

    public SandboxOptions withThrottling(boolean newThrottling) {
        return new SandboxOptions(port, timeScale, newThrottling, profile, copyLimit, seed, variation, machines);
    }

    public SandboxOptions withProfile(LatencyProfile newProfile) {
        return new SandboxOptions(port, timeScale, throttling, newProfile, copyLimit, seed, variation, machines);
    }

    public SandboxOptions withCopyLimit(int newCopyLimit) {
        return new SandboxOptions(port, timeScale, throttling, profile, newCopyLimit, seed, variation, machines);
    }

    /** Consistency and name-reuse delays drawn at random (0 to twice the profile's) from this seed. */
    public SandboxOptions withRandomDelays(long newSeed) {
        return new SandboxOptions(port, timeScale, throttling, profile, copyLimit, newSeed, variation, machines);
    }

    /**
     * Transitions that vary at random around the profile's values, each by a factor e^u with u
     * uniform in [-newVariation, newVariation], reproducibly from the seed (which also draws the
     * consistency delays, as {@link #withRandomDelays(long)}).
     */
    public SandboxOptions withVariation(double newVariation, long newSeed) {
        return new SandboxOptions(port, timeScale, throttling, profile, copyLimit, newSeed, newVariation, machines);
    }

    /** Instances of the Debian image (and of images made from them) as real machines; null turns them off. */
    public SandboxOptions withMachines(MachineOptions newMachines) {
        return new SandboxOptions(port, timeScale, throttling, profile, copyLimit, seed, variation, newMachines);
    }
}
