package io.amibake.schedule;

import io.amibake.engine.api.BakeResult;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.function.Consumer;

/**
 * Tells every watcher of a schedule (the console, notifications, metrics) the same events, in
 * order; a watcher that throws is reported and the others still hear.
 */
public final class ScheduleEventsList implements ScheduleEvents {

    private final List<ScheduleEvents> watchers;
    private final Consumer<String> complaints;

    /** @param complaints told of a watcher that threw, in one line */
    public ScheduleEventsList(List<ScheduleEvents> watchers, Consumer<String> complaints) {
        this.watchers = List.copyOf(watchers);
        this.complaints = complaints;
    }

    @Override
    public void slotStarted(String recipe, ZonedDateTime slot, boolean resumed) {
        each(w -> w.slotStarted(recipe, slot, resumed));
    }

    @Override
    public void slotSkipped(String recipe, ZonedDateTime slot, Skip why, String detail) {
        each(w -> w.slotSkipped(recipe, slot, why, detail));
    }

    @Override
    public void bakeFinished(String recipe, BakeResult result, Duration took) {
        each(w -> w.bakeFinished(recipe, result, took));
    }

    @Override
    public void paused(String recipe, int failuresInARow, String lastError) {
        each(w -> w.paused(recipe, failuresInARow, lastError));
    }

    @Override
    public void nextRun(String recipe, ZonedDateTime next) {
        each(w -> w.nextRun(recipe, next));
    }

    private void each(Consumer<ScheduleEvents> event) {
        for (ScheduleEvents watcher : watchers) {
            try {
                event.accept(watcher);
            } catch (RuntimeException e) {
                complaints.accept(watcher.getClass().getSimpleName() + " failed: " + e);
            }
        }
    }
}
