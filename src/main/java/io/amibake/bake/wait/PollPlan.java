package io.amibake.bake.wait;

import java.time.Duration;

/**
 * When to look next at something slow. A wait with an expected duration sleeps until it is due
 * and then looks closely; a wait with no expectation starts fast and backs off geometrically.
 * After the expected time has passed, each delay is a small share of the time waited so far, so
 * the overshoot past completion stays within that share (5 % by default) at any time scale.
 *
 * @param minDelay  the shortest delay between two looks
 * @param maxDelay  the longest delay between two looks
 * @param blindGrowth share of the elapsed time to sleep when nothing is expected
 * @param lateGrowth  share of the elapsed time to sleep once the expected time has passed
 */
public record PollPlan(Duration minDelay, Duration maxDelay, double blindGrowth, double lateGrowth) {

    public static final PollPlan DEFAULT = new PollPlan(Duration.ofMillis(50), Duration.ofSeconds(30), 0.25, 0.04);

    /**
     * The delay before the next look.
     *
     * @param elapsed  time since the wait began
     * @param expected how long the wait is expected to last, or {@code null} when unknown
     */
    public Duration nextDelay(Duration elapsed, Duration expected) {
        if (expected != null && elapsed.compareTo(expected) < 0) {
            return clamp(expected.minus(elapsed));
        }
        double share = expected == null ? blindGrowth : lateGrowth;
        return clamp(Duration.ofNanos((long) (elapsed.toNanos() * share)));
    }

    private Duration clamp(Duration delay) {
        if (delay.compareTo(minDelay) < 0) {
            return minDelay;
        }
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }
}
