package io.amibake.engine.job;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Paces {@code CopyImage} per destination region the way AWS meters it: a bucket of 100 calls
 * that refills at one per second (docs/aws.md, EC2 request throttling). Copies started
 * together by one process, across many bakes, queue here instead of drawing
 * {@code RequestLimitExceeded} from AWS.
 */
final class CopyPacer {

    static final int BUCKET = 100;
    static final Duration REFILL = Duration.ofSeconds(1);

    private final LongSupplier nanoClock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    CopyPacer(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    CopyPacer() {
        this(System::nanoTime);
    }

    /** Takes one call's token for the region; returns how long the caller must wait first. */
    Duration take(String region) {
        return buckets.computeIfAbsent(region, r -> new Bucket(nanoClock.getAsLong())).take(nanoClock.getAsLong());
    }

    private static final class Bucket {

        private double tokens = BUCKET;
        private long updatedNanos;

        Bucket(long now) {
            updatedNanos = now;
        }

        synchronized Duration take(long now) {
            tokens = Math.min(BUCKET, tokens + (now - updatedNanos) / (double) REFILL.toNanos());
            updatedNanos = now;
            tokens -= 1;
            return tokens >= 0 ? Duration.ZERO : Duration.ofNanos((long) (-tokens * REFILL.toNanos()));
        }
    }
}
