package io.amibake.bake.wait;

import java.time.Duration;

/**
 * Predicts when something that reports a percentage will reach 100 %, from the first and the
 * latest readings: AWS reports a copy's progress only through its snapshot (aws-facts.md).
 */
final class Progress {

    private long firstNanos = -1;
    private int firstPercent;
    private long lastNanos;
    private int lastPercent;

    synchronized void record(long nanos, int percent) {
        if (firstNanos < 0 || percent < lastPercent) {
            firstNanos = nanos;
            firstPercent = percent;
        }
        lastNanos = nanos;
        lastPercent = percent;
    }

    synchronized int percent() {
        return lastPercent;
    }

    /** Time from {@code sinceNanos} to the predicted finish, or null until progress is seen to move. */
    synchronized Duration finishAfter(long sinceNanos) {
        if (firstNanos < 0 || lastPercent <= firstPercent || lastNanos <= firstNanos) {
            return null;
        }
        double nanosPerPercent = (lastNanos - firstNanos) / (double) (lastPercent - firstPercent);
        long finish = lastNanos + (long) ((100 - lastPercent) * nanosPerPercent);
        return Duration.ofNanos(Math.max(0, finish - sinceNanos));
    }
}
