package io.amibake.engine.job;

import io.amibake.engine.read.BakeViews;
import io.amibake.engine.read.Manifest;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/** Writes the manifest; the job listener writes it again with the final status and counts. */
public final class WriteManifestStep implements Tasklet {

    private final JobRepository repository;
    private final BakeRun run;

    public WriteManifestStep(JobRepository repository, BakeRun run) {
        this.repository = repository;
        this.run = run;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) {
        var execution = chunk.getStepContext().getStepExecution().getJobExecution();
        Manifest.write(Manifest.of(BakeViews.of(execution, repository, run.recipe())), run.manifest());
        return RepeatStatus.FINISHED;
    }
}
