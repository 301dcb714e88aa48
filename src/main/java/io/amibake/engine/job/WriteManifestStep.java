package io.amibake.engine.job;

import io.amibake.engine.read.Manifest;
import java.nio.file.Path;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/** Writes the manifest; the job listener writes it again with the final status and counts. */
public final class WriteManifestStep implements Tasklet {

    private final JobRepository repository;
    private final Path file;

    public WriteManifestStep(JobRepository repository, Path file) {
        this.repository = repository;
        this.file = file;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) {
        var execution = chunk.getStepContext().getStepExecution().getJobExecution();
        Manifest.write(Manifest.of(execution, repository), file);
        return RepeatStatus.FINISHED;
    }
}
