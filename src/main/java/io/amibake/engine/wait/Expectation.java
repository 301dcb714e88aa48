package io.amibake.engine.wait;

import java.time.Duration;

/**
 * How long a wait is expected to last, and whether that is trusted: learned from earlier waits of
 * the same kind on the same target (or predicted by a copy's own progress), rather than guessed
 * from a default or from other targets. {@link PollPlan} looks later at first when it trusts.
 */
public record Expectation(Duration duration, boolean trusted) {

    public static Expectation trusted(Duration duration) {
        return new Expectation(duration, true);
    }

    public static Expectation guess(Duration duration) {
        return new Expectation(duration, false);
    }
}
