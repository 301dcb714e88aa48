package io.amibake.bake;

import java.time.Duration;
import java.time.LocalDateTime;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/** Reports each step's start and end to the bake's events. */
final class StepProgressListener implements StepExecutionListener {

    private final BakeEvents events;

    StepProgressListener(BakeEvents events) {
        this.events = events;
    }

    @Override
    public void beforeStep(StepExecution step) {
        events.stepStarted(step.getStepName());
    }

    @Override
    public ExitStatus afterStep(StepExecution step) {
        LocalDateTime start = step.getStartTime();
        Duration took = start == null ? Duration.ZERO : Duration.between(start, LocalDateTime.now());
        String detail = step.getFailureExceptions().isEmpty() ? null
                : step.getFailureExceptions().get(0).getMessage();
        events.stepFinished(step.getStepName(), step.getStatus().name(), took, detail);
        return null;
    }
}
