package io.amibake.bake;

import java.nio.file.Path;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The bake job, step by step. Step names are stable: a restart finds its checkpoints by them.
 * Steps that keep the build instance in shape run again on every resume and do nothing when
 * their work is already done; the others run once.
 */
@Component
public class BakeJobConfiguration {

    public static final String JOB_NAME = "bake";

    private final JobRepository repository;
    private final PlatformTransactionManager transactions;

    public BakeJobConfiguration(JobRepository repository, PlatformTransactionManager transactions) {
        this.repository = repository;
        this.transactions = transactions;
    }

    public Job bakeJob(BakeServices services, BakeRequest request, Path manifest) {
        StepProgressListener progress = new StepProgressListener(services.events());
        return new JobBuilder(JOB_NAME, repository)
                .listener(new BakeJobListener(services, repository, manifest))
                .start(once(progress, "prepare", new PrepareBakeStep(services, request)))
                .next(once(progress, "resolveSource", new ResolveSourceStep(services)))
                .next(always(progress, LaunchInstanceStep.NAME, new LaunchInstanceStep(services)))
                .next(always(progress, "waitForAgent", new WaitForAgentStep(services)))
                .next(always(progress, "installPackages", new RunCommandsStep(services, "packages", "installPackages")))
                .next(always(progress, "provision", new RunCommandsStep(services, "provision", "provision")))
                .next(always(progress, "cleanup", new RunCommandsStep(services, "cleanup", "cleanup")))
                .next(always(progress, "stopInstance", new StopInstanceStep(services)))
                .next(always(progress, CreateImageStep.NAME, new CreateImageStep(services)))
                .next(always(progress, "waitForImage", new WaitForImageStep(services)))
                .next(once(progress, "terminateInstance", new TerminateInstanceStep(services)))
                .next(always(progress, "writeManifest", new WriteManifestStep(repository, manifest)))
                .build();
    }

    /** A step that, once completed, a resume skips. */
    private Step once(StepProgressListener progress, String name, Tasklet tasklet) {
        return new StepBuilder(name, repository).tasklet(checkpointed(tasklet), transactions).listener(progress)
                .build();
    }

    /** A step that runs on every resume, and checks its own work before doing any. */
    private Step always(StepProgressListener progress, String name, Tasklet tasklet) {
        return new StepBuilder(name, repository).tasklet(checkpointed(tasklet), transactions).listener(progress)
                .allowStartIfComplete(true).build();
    }

    /**
     * Saves the job's execution context in the step's own transaction. Spring Batch saves it only
     * after a step ends, while the step's context is committed with every chunk: a process killed
     * in between would resume with a completed step's state lost to every later step.
     */
    private Tasklet checkpointed(Tasklet tasklet) {
        return (contribution, chunk) -> {
            RepeatStatus status = tasklet.execute(contribution, chunk);
            repository.updateExecutionContext(chunk.getStepContext().getStepExecution().getJobExecution());
            return status;
        };
    }
}
