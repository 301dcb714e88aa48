package io.amibake.engine.job;

import io.amibake.engine.read.BakeFailures;
import java.time.Duration;
import org.springframework.batch.core.job.JobExecution;
import java.time.LocalDateTime;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/**
 * Reports each step's start and end to its bake's events, and brings the bake's own figures (the
 * requests sent so far) up to date before each checkpoint.
 */
final class StepProgressListener implements StepExecutionListener {

    private final RunningBakes runs;

    StepProgressListener(RunningBakes runs) {
        this.runs = runs;
    }

    /** Called just before a step's move is saved to the job repository. */
    void beforeCheckpoint(JobExecution execution) {
        BakeRun run = runs.of(execution);
        run.requests().count(run.state(execution));
    }

    @Override
    public void beforeStep(StepExecution step) {
        runs.of(step.getJobExecution()).services().events().stepStarted(step.getStepName());
    }

    @Override
    public ExitStatus afterStep(StepExecution step) {
        LocalDateTime start = step.getStartTime();
        Duration took = start == null ? Duration.ZERO : Duration.between(start, LocalDateTime.now());
        String detail = step.getFailureExceptions().isEmpty() ? null
                : BakeFailures.why(step.getFailureExceptions().get(0));
        runs.of(step.getJobExecution()).services().events()
                .stepFinished(step.getStepName(), step.getStatus().name(), took, detail);
        return null;
    }
}
