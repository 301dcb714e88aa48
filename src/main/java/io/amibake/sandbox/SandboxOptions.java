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
 */
public record SandboxOptions(int port, double timeScale, boolean throttling, LatencyProfile profile) {

    public SandboxOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (!(timeScale > 0)) {
            throw new IllegalArgumentException("time scale must be positive, was " + timeScale);
        }
        Objects.requireNonNull(profile, "profile");
    }

    /** Port 4566, real time, throttling on, the AWS-like profile. */
    public static SandboxOptions defaults() {
        return new SandboxOptions(4566, 1.0, true, LatencyProfile.aws());
    }

    public SandboxOptions withPort(int newPort) {
        return new SandboxOptions(newPort, timeScale, throttling, profile);
    }

    public SandboxOptions withTimeScale(double newTimeScale) {
        return new SandboxOptions(port, newTimeScale, throttling, profile);
    }

    public SandboxOptions withThrottling(boolean newThrottling) {
        return new SandboxOptions(port, timeScale, newThrottling, profile);
    }

    public SandboxOptions withProfile(LatencyProfile newProfile) {
        return new SandboxOptions(port, timeScale, throttling, newProfile);
    }
}
