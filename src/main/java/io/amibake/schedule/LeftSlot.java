package io.amibake.schedule;

import io.amibake.engine.api.BakeBusyException;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.RunView;
import io.amibake.engine.api.BakeService;
import io.amibake.text.Redactor;
import java.time.Duration;
import java.util.Optional;

/**
 * What became of a slot that a scheduler killed outright left {@link ScheduleStore#RUNNING}: the
 * outcome its bake had, a bake left running being recovered first.
 *
 * @param took how long the bake's run took, zero when unknown
 */
record LeftSlot(BakeResult result, Duration took) {

    /**
     * @return empty when the bake was resumed meanwhile, and so is no longer this slot's to close
     */
    static Optional<LeftSlot> of(BakeService launcher, RecipeFiles.Version version, ScheduleStore.Slot slot) {
        String died = "the scheduler that ran the slot (" + slot.owner() + ") died";
        RunView run = slot.executionId() == null ? null : launcher.run(slot.executionId()).orElse(null);
        if (run == null) {
            return Optional.of(new LeftSlot(new BakeResult(-1, null, "FAILED", null, null,
                    died + " before its bake began"), Duration.ZERO));
        }
        boolean leftRunning = run.running();
        if (leftRunning) {
            try {
                run = launcher.recover(run.execution());
            } catch (BakeBusyException resumedMeanwhile) {
                return Optional.empty();
            }
        }
        String error = run.completed() ? null
                : leftRunning ? died + " while bake " + run.bakeId() + " ran; the next slot resumes it"
                : run.timedOut() ? run.error()
                : Optional.ofNullable(run.error()).orElse(died + " after bake " + run.bakeId() + " ended "
                + run.status());
        BakeResult result = new BakeResult(run.execution(), run.bakeId(), run.status(), run.imageId(), null,
                Redactor.of(version.recipe().secretValues()).redact(error), run.timedOut(), null, null);
        Duration took = run.started() == null || run.ended() == null ? Duration.ZERO
                : Duration.between(run.started(), run.ended());
        return Optional.of(new LeftSlot(result, took));
    }

    /** The slot row's outcome. */
    String outcome() {
        return result.timedOut() ? ScheduleStore.TIMED_OUT : result.status();
    }
}
