package io.amibake.cloud;

import java.net.URI;
import java.time.Duration;

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
 * @param role        a role assumed with STS from those credentials, or {@code null} to use them as they are
 */
public record AwsSettings(URI endpoint, String profile, boolean dummyCredentials, int maxAttempts, Role role) {

    /** Enough attempts that a throttled burst never fails a bake (docs/aws.md: never fail on it). */
    public static final int DEFAULT_MAX_ATTEMPTS = 12;

    /**
     * A role to assume. The SDK's provider refreshes its session {@code prefetch} before it expires,
     * in the background, and blocks a call for a new one once it is within {@code stale} of expiry.
     *
     * @param arn         {@code arn:aws:iam::ACCOUNT:role/NAME}
     * @param externalId  what the role's trust policy asks for, or {@code null}
     * @param sessionName the session's name in CloudTrail
     * @param prefetch    how long before expiry a new session is fetched (the SDK's default: 5 minutes)
     * @param stale       how long before expiry a call waits for a new session (the SDK's default: 1 minute)
     */
    public record Role(String arn, String externalId, String sessionName, Duration prefetch, Duration stale) {

        public static final Duration DEFAULT_PREFETCH = Duration.ofMinutes(5);
        public static final Duration DEFAULT_STALE = Duration.ofMinutes(1);

        public Role(String arn, String externalId, String sessionName) {
            this(arn, externalId, sessionName, DEFAULT_PREFETCH, DEFAULT_STALE);
        }
    }

    public AwsSettings(URI endpoint, String profile, boolean dummyCredentials, int maxAttempts) {
        this(endpoint, profile, dummyCredentials, maxAttempts, null);
    }

    public static AwsSettings aws(String profile) {
        return new AwsSettings(null, profile, false, DEFAULT_MAX_ATTEMPTS);
    }

    public static AwsSettings sandbox(URI endpoint) {
        return new AwsSettings(endpoint, null, true, DEFAULT_MAX_ATTEMPTS);
    }

    /** The same reach, assuming the role (or none). */
    public AwsSettings assuming(Role newRole) {
        return new AwsSettings(endpoint, profile, dummyCredentials, maxAttempts, newRole);
    }

    /** The same, with this many attempts per call. */
    public AwsSettings withMaxAttempts(int attempts) {
        return new AwsSettings(endpoint, profile, dummyCredentials, attempts, role);
    }
}
