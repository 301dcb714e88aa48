package io.amibake.engine.wait;

import java.time.Duration;

/**
 * Predicts when something that reports a percentage will reach 100 %, from its two latest
 * readings: AWS reports a copy's progress only through its snapshot (docs/aws.md). A wait that
 * starts with the copy records 0 % at its start, so one look already gives a rate.
 */
final class Progress {

    private long previousNanos = -1;
    private int previousPercent;
    private long lastNanos = -1;
    private int lastPercent;

    synchronized void record(long nanos, int percent) {
        if (lastNanos >= 0 && percent > lastPercent) {
            previousNanos = lastNanos;
            previousPercent = lastPercent;
        }
        if (lastNanos < 0 || percent != lastPercent) {
            lastNanos = nanos;
            lastPercent = percent;
        }
    }

    synchronized int percent() {
        return lastPercent;
    }

    /** Time from {@code sinceNanos} to the predicted finish, or null until progress is seen to move. */
    synchronized Duration finishAfter(long sinceNanos) {
        if (previousNanos < 0 || lastPercent <= previousPercent || lastNanos <= previousNanos) {
            return null;
        }
        double nanosPerPercent = (lastNanos - previousNanos) / (double) (lastPercent - previousPercent);
        long finish = lastNanos + (long) ((100 - lastPercent) * nanosPerPercent);
        return Duration.ofNanos(Math.max(0, finish - sinceNanos));
    }
}
