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

    /**
     * A slot ran no bake, and why.
     *
     * @param why    the kind of reason, one of a fixed set (what metrics may label with)
     * @param detail the reason in words, with the image, bake or owner it names
     */
    default void slotSkipped(String recipe, ZonedDateTime slot, Skip why, String detail) {
    }

    /** Why a slot ran no bake: a fixed set, each with the name metrics give it. */
    enum Skip {
        /** {@code when: sourceChanged}, and neither the source image nor the recipe changed. */
        SOURCE_UNCHANGED("source_unchanged"),
        /** The recipe's previous bake still runs, here or in another process. */
        PREVIOUS_RUNNING("previous_running");

        private final String label;

        Skip(String label) {
            this.label = label;
        }

        /** The reason's name as a metric's label value. */
        public String label() {
            return label;
        }
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
