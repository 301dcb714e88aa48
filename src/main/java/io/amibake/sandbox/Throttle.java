package io.amibake.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per action and region, as EC2 throttles (docs/aws.md, "EC2 request throttling"):
 * each call takes one token; an empty bucket answers RequestLimitExceeded. Refill is measured in
 * sandbox time, so it runs 1/timeScale times faster than real time.
 */
final class Throttle {

    /** A bucket's size and its refill per sandbox second. */
    record Rate(int size, double refillPerSecond) {
    }

    // docs/aws.md, "EC2 request throttling".
    static final Rate NON_MUTATING = new Rate(100, 20);
    static final Rate UNFILTERED_DESCRIBE = new Rate(50, 10);
    static final Rate MUTATING = new Rate(50, 5);
    static final Rate RUN_INSTANCES = new Rate(5, 2);
    static final Rate COPY_IMAGE = new Rate(100, 1);
    static final Rate CREATE_TAGS = new Rate(100, 10);
    static final Rate DESTRUCTIVE = new Rate(100, 5);
    // SSM's published throughput is per API; the sandbox uses GetParameter's 40 TPS default for reads
    // and a conservative 3 TPS for PutParameter. These are sandbox assumptions, not from docs/aws.md.
    static final Rate SSM_READ = new Rate(40, 40);
    static final Rate SSM_SEND_COMMAND = new Rate(20, 5);
    static final Rate SSM_PUT_PARAMETER = new Rate(5, 3);

    private final SandboxClock clock;
    private final boolean enabled;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile Instant drainedAt;

    Throttle(SandboxClock clock, boolean enabled) {
        this.clock = clock;
        this.enabled = enabled;
    }

    /** Takes a token for the action in the region; false when the bucket is empty. */
    boolean tryAcquire(String region, String action, Rate rate) {
        if (!enabled) {
            return true;
        }
        Bucket bucket = buckets.computeIfAbsent(region + "/" + action + "/" + rate,
                k -> new Bucket(rate, drainedAt != null ? drainedAt : clock.now(), drainedAt != null));
        return bucket.tryTake(clock.now());
    }

    /**
     * Empties every bucket of every action and region, those not used yet included, as other
     * clients of the account spending its whole budget would; each refills at its rate from now.
     */
    void drain() {
        Instant now = clock.now();
        drainedAt = now;
        buckets.values().forEach(bucket -> bucket.drain(now));
    }

    /** EC2's bucket for an action; {@code filteredOrById} says whether a Describe call narrowed its answer. */
    static Rate ec2Rate(String action, boolean filteredOrById) {
        return switch (action) {
            case "RunInstances" -> RUN_INSTANCES;
            case "CopyImage" -> COPY_IMAGE;
            case "CreateTags" -> CREATE_TAGS;
            case "TerminateInstances", "DeregisterImage", "ModifyImageAttribute" -> DESTRUCTIVE;
            case "DescribeInstances", "DescribeSnapshots" -> filteredOrById ? NON_MUTATING : UNFILTERED_DESCRIBE;
            default -> action.startsWith("Describe") ? NON_MUTATING : MUTATING;
        };
    }

    static Rate ssmRate(String operation) {
        return switch (operation) {
            case "SendCommand" -> SSM_SEND_COMMAND;
            case "PutParameter" -> SSM_PUT_PARAMETER;
            default -> SSM_READ;
        };
    }

    private static final class Bucket {
        private final Rate rate;
        private double tokens;
        private Instant last;

        Bucket(Rate rate, Instant since, boolean empty) {
            this.rate = rate;
            this.tokens = empty ? 0 : rate.size();
            this.last = since;
        }

        synchronized void drain(Instant now) {
            tokens = 0;
            last = now;
        }

        synchronized boolean tryTake(Instant now) {
            if (now.isAfter(last)) {
                double seconds = Duration.between(last, now).toNanos() / 1e9;
                tokens = Math.min(rate.size(), tokens + seconds * rate.refillPerSecond());
                last = now;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
