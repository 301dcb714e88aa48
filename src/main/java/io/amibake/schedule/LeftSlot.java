package io.amibake.schedule;

import io.amibake.engine.api.BakeBusyException;
import io.amibake.engine.read.BakeFailures;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.state.BakeState;
import io.amibake.text.Redactor;
import java.time.Duration;
import java.util.Optional;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;

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
        JobExecution execution = slot.executionId() == null ? null
                : launcher.execution(slot.executionId()).orElse(null);
        if (execution == null) {
            return Optional.of(new LeftSlot(new BakeResult(-1, null, "FAILED", null, null,
                    died + " before its bake began"), Duration.ZERO));
        }
        boolean leftRunning = execution.getStatus().isRunning();
        if (leftRunning) {
            try {
                execution = launcher.recover(execution);
            } catch (BakeBusyException resumedMeanwhile) {
                return Optional.empty();
            }
        }
        BakeState state = BakeState.of(execution);
        boolean timedOut = BakeResult.timedOut(execution);
        String error = execution.getStatus() == BatchStatus.COMPLETED ? null
                : leftRunning ? died + " while bake " + state.bakeId() + " ran; the next slot resumes it"
                : timedOut ? execution.getExitStatus().getExitDescription()
                : Optional.ofNullable(BakeFailures.describe(execution)).orElse(died + " after bake "
                + state.bakeId() + " ended " + execution.getStatus());
        BakeResult result = new BakeResult(execution.getId(), state.bakeId(), execution.getStatus().name(),
                state.imageId(), null, Redactor.of(version.recipe().secretValues()).redact(error), timedOut, null, null);
        Duration took = execution.getStartTime() == null || execution.getEndTime() == null ? Duration.ZERO
                : Duration.between(execution.getStartTime(), execution.getEndTime());
        return Optional.of(new LeftSlot(result, took));
    }

    /** The slot row's outcome. */
    String outcome() {
        return result.timedOut() ? ScheduleStore.TIMED_OUT : result.status();
    }
}
