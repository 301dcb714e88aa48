package io.amibake.engine.wait;

import java.time.Duration;

/**
 * When a wait looks next. {@link PollPlan} is amibake's; a benchmark's baseline paces as another
 * tool does (every 15 s, as Packer's waiters) to compare requests and time against the same bake.
 */
public interface Pacing {

    /**
     * The delay before the next look.
     *
     * @param elapsed  time since the wait began, at the last look (zero before the first)
     * @param expected how long the wait is expected to last, or {@code null} when unknown
     */
    Duration nextDelay(Duration elapsed, Expectation expected);

    /** The shortest delay between two looks: a backoff's first step, and how fresh a shared look must be. */
    Duration minDelay();

    /** The longest delay between two looks: a backoff's last step. */
    Duration maxDelay();
}
