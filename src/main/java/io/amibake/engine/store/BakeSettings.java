package io.amibake.engine.store;

import io.amibake.cloud.AwsSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Tool settings, bound from {@code amibake.*} properties; the recipe is per-bake input.
 *
 * @param home             where amibake keeps its job repository and manifests ({@code ~/.amibake})
 * @param instanceTimeout  the longest an instance may take to start, stop or terminate
 * @param agentTimeout     the longest a build instance's SSM agent may take to come online
 * @param imageTimeout     the longest an image may take to become available
 * @param copyTimeout      the longest a region copy may take (copies can take hours: docs/aws.md)
 * @param pollMinDelay     the shortest pause between two looks at the same wait
 * @param pollMaxDelay     the longest pause between two looks at the same wait (both default to
 *                         engine.wait.PollPlan.DEFAULT's, which PollPlanTest holds them to)
 * @param stoppedRetention how long a build instance stopped after a failure is kept for resume;
 *                         written as its {@code amibake:expires} tag for the sweeper
 * @param copyConcurrency  a bake's distribution partitions (regions and account-regions) run at once;
 *                         they mostly wait, so the default is AWS's copies per destination region
 *                         (AccountsBenchmark: 16 threads for 21 partitions took 1.64x the critical path)
 * @param host             the name this runner gives its leases in the job repository; runners
 *                         that share one database need distinct names (default: the host name)
 * @param leaseTtl         how long a running bake's lease lives without a heartbeat; another
 *                         runner may recover the bake only after it expired (renewed every third)
 * @param copyLimit        AMI copies this process lets be in flight at once per destination region,
 *                         counted from before CopyImage is called until the copy settles; AWS
 *                         accepts 100 concurrent copies per destination region (docs/sandbox.md)
 * @param requestAttempts  attempts per AWS call under the SDK's standard retry strategy: throttling
 *                         and transient errors are retried with backoff and jitter up to this many times
 * @param roleRefresh      how long before a role's session expires amibake fetches a new one (the
 *                         AWS SDK's default, 5 minutes); a call waits for it only in the last fifth of that
 */
@ConfigurationProperties("amibake")
public record BakeSettings(
        Path home,
        Duration instanceTimeout,
        Duration agentTimeout,
        Duration imageTimeout,
        Duration copyTimeout,
        Duration pollMinDelay,
        Duration pollMaxDelay,
        Duration stoppedRetention,
        Integer copyConcurrency,
        String host,
        Duration leaseTtl,
        Integer copyLimit,
        Integer requestAttempts,
        Duration roleRefresh) {

    /** Settings without a role refresh of their own: the SDK's 5 minutes. */
    public BakeSettings(Path home, Duration instanceTimeout, Duration agentTimeout, Duration imageTimeout,
                        Duration copyTimeout, Duration pollMinDelay, Duration pollMaxDelay, Duration stoppedRetention,
                        Integer copyConcurrency, String host, Duration leaseTtl, Integer copyLimit,
                        Integer requestAttempts) {
        this(home, instanceTimeout, agentTimeout, imageTimeout, copyTimeout, pollMinDelay, pollMaxDelay,
                stoppedRetention, copyConcurrency, host, leaseTtl, copyLimit, requestAttempts, null);
    }

    @org.springframework.boot.context.properties.bind.ConstructorBinding
    public BakeSettings {
        home = home == null ? UserHome.amibakeHome() : home;
        instanceTimeout = instanceTimeout == null ? Duration.ofMinutes(15) : instanceTimeout;
        agentTimeout = agentTimeout == null ? Duration.ofMinutes(15) : agentTimeout;
        imageTimeout = imageTimeout == null ? Duration.ofMinutes(90) : imageTimeout;
        copyTimeout = copyTimeout == null ? Duration.ofHours(6) : copyTimeout;
        pollMinDelay = pollMinDelay == null ? Duration.ofMillis(50) : pollMinDelay;
        pollMaxDelay = pollMaxDelay == null ? Duration.ofMinutes(2) : pollMaxDelay;
        stoppedRetention = stoppedRetention == null ? Duration.ofDays(7) : stoppedRetention;
        copyConcurrency = copyConcurrency == null ? 100 : copyConcurrency;
        host = host == null || host.isBlank() ? localHostName() : host;
        leaseTtl = leaseTtl == null ? Duration.ofSeconds(60) : leaseTtl;
        copyLimit = copyLimit == null ? 100 : copyLimit;
        requestAttempts = requestAttempts == null ? AwsSettings.DEFAULT_MAX_ATTEMPTS : requestAttempts;
        roleRefresh = roleRefresh == null ? AwsSettings.Role.DEFAULT_PREFETCH : roleRefresh;
        if (copyConcurrency < 1) {
            throw new IllegalArgumentException("amibake.copy-concurrency must be at least 1, not " + copyConcurrency);
        }
        if (leaseTtl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("amibake.lease-ttl must be at least 1s, not " + leaseTtl);
        }
    }

    /** The role to assume, refreshed as these settings say. */
    public AwsSettings.Role role(String arn, String externalId, String sessionName) {
        return new AwsSettings.Role(arn, externalId, sessionName, roleRefresh, roleRefresh.dividedBy(5));
    }

    private static String localHostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "localhost" : env;
        }
    }
}
