package io.amibake.engine.wait;

import io.amibake.recipe.Durations;
import java.time.Duration;

/** A wait that did not end in time. */
public final class WaitTimedOutException extends RuntimeException {

    public WaitTimedOutException(String what, Duration timeout) {
        super("gave up waiting for " + what + " after " + Durations.human(timeout));
    }
}
