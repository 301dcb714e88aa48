package io.amibake.schedule;

import io.amibake.engine.api.BakeResult;
import java.time.Duration;
import java.time.ZonedDateTime;

/**
 * What happens to the recipes that {@code amibake schedule} runs, for whoever watches them:
 * notifications, metrics, the log. Implementations never throw and never block a slot for long.
 */
public interface ScheduleEvents {

    /** A slot began a bake: a new one, or a resume of the recipe's failed or stopped bake. */
    default void slotStarted(String recipe, ZonedDateTime slot, boolean resumed) {
    }

    /** A slot ran no bake, and why: source unchanged, previous bake still running, paused. */
    default void slotSkipped(String recipe, ZonedDateTime slot, String reason) {
    }

    /** A slot's bake ended, in any status. */
    default void bakeFinished(String recipe, BakeResult result, Duration took) {
    }

    /** The recipe's schedule paused itself after this many failures in a row. */
    default void paused(String recipe, int failuresInARow, String lastError) {
    }

    /** When the recipe runs next; null when its schedule is paused or gone. */
    default void nextRun(String recipe, ZonedDateTime next) {
    }

    ScheduleEvents NONE = new ScheduleEvents() {
    };
}
