package io.amibake.cloud;

import java.net.URI;

/**
 * How amibake reaches AWS.
 *
 * @param endpoint    an endpoint that replaces AWS's own for EC2 and SSM (the sandbox), or
 *                    {@code null} for AWS
 * @param profile     the named profile of the shared credentials file, or {@code null} for the
 *                    default credential chain
 * @param dummyCredentials use fixed credentials (the sandbox accepts any signature)
 * @param maxAttempts attempts per call under the standard retry strategy; throttling and
 *                    transient errors are retried with backoff and jitter up to this many times
 */
public record AwsSettings(URI endpoint, String profile, boolean dummyCredentials, int maxAttempts) {

    /** Enough attempts that a throttled burst never fails a bake (docs/aws.md: never fail on it). */
    public static final int DEFAULT_MAX_ATTEMPTS = 12;

    public static AwsSettings aws(String profile) {
        return new AwsSettings(null, profile, false, DEFAULT_MAX_ATTEMPTS);
    }

    public static AwsSettings sandbox(URI endpoint) {
        return new AwsSettings(endpoint, null, true, DEFAULT_MAX_ATTEMPTS);
    }
}
