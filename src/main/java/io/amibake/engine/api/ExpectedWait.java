package io.amibake.engine.api;

import java.time.Duration;

/**
 * What one wait of a recipe's next bake is expected to take, from what the same wait took in its
 * earlier bakes against the same target.
 *
 * @param what    {@code image}, or {@code copy to REGION}
 * @param trusted false for a guess made from other waits, before this one was ever seen
 */
public record ExpectedWait(String what, Duration duration, boolean trusted) {
}
