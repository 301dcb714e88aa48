package io.amibake.bake;

import java.time.Duration;
import java.util.function.Consumer;
import org.springframework.batch.core.job.JobExecution;
import java.time.LocalDateTime;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/**
 * Reports each step's start and end to the bake's events, and lets the job bring its own
 * figures (the requests sent so far) up to date before each checkpoint.
 */
final class StepProgressListener implements StepExecutionListener {

    private final BakeEvents events;
    private final Consumer<JobExecution> beforeCheckpoint;

    StepProgressListener(BakeEvents events, Consumer<JobExecution> beforeCheckpoint) {
        this.events = events;
        this.beforeCheckpoint = beforeCheckpoint;
    }

    /** Called just before a step's move is saved to the job repository. */
    void beforeCheckpoint(JobExecution execution) {
        beforeCheckpoint.accept(execution);
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
