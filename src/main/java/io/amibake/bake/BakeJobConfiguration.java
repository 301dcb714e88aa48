package io.amibake.bake;

import io.amibake.recipe.Recipe;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.FlowBuilder;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.Flow;
import org.springframework.batch.core.job.flow.support.SimpleFlow;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
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
    /** The distribution step. */
    public static final String DISTRIBUTE = "distribute";
    /** Its partitions are named {@code copyRegion:REGION}. */
    public static final String REGION_PARTITION = "copyRegion:";

    private final JobRepository repository;
    /**
     * The steps touch no database themselves: their only writes are the repository's own
     * checkpoint updates, which run in transactions of their own. Waiting inside a database
     * transaction would hold a connection per waiting region for the length of a copy.
     */
    private final PlatformTransactionManager transactions = new ResourcelessTransactionManager();

    private final CommandOutputs outputs;

    public BakeJobConfiguration(JobRepository repository, CommandOutputs outputs) {
        this.repository = repository;
        this.outputs = outputs;
    }

    /**
     * The bake job for this recipe. After the image is available, an instance launched from it
     * runs the recipe's tests; only then is the build instance terminated while the image is
     * distributed: the copies need nothing from it.
     */
    public Job bakeJob(BakeServices services, BakeRequest request, Recipe recipe, Path manifest) {
        BakeJobListener listener = new BakeJobListener(services, repository, manifest);
        StepProgressListener progress = new StepProgressListener(services.events(), listener::countRequests);
        Flow terminate = new FlowBuilder<SimpleFlow>("terminate")
                .start(once(progress, CheckResourcesStep.TERMINATE, new TerminateInstanceStep(services))).build();
        Flow distribute = new FlowBuilder<SimpleFlow>(DISTRIBUTE)
                .start(distribute(progress, services, recipe)).build();
        Flow finish = new FlowBuilder<SimpleFlow>("finish")
                .split(new SimpleAsyncTaskExecutor("amibake-finish-")).add(terminate, distribute).build();
        Flow bake = new FlowBuilder<SimpleFlow>(JOB_NAME)
                .start(once(progress, "prepare", new PrepareBakeStep(services, request)))
                .next(once(progress, "resolveSource", new ResolveSourceStep(services)))
                .next(always(progress, CheckResourcesStep.NAME, new CheckResourcesStep(services, repository)))
                .next(always(progress, LaunchInstanceStep.NAME, new LaunchInstanceStep(services)))
                .next(always(progress, "waitForAgent", new WaitForAgentStep(services)))
                .next(always(progress, "installPackages",
                        new RunCommandsStep(services, outputs, "packages", "installPackages")))
                .next(always(progress, "provision", new RunCommandsStep(services, outputs, "provision", "provision")))
                .next(always(progress, "cleanup", new RunCommandsStep(services, outputs, "cleanup", "cleanup")))
                .next(always(progress, "stopInstance", new StopInstanceStep(services)))
                .next(always(progress, CreateImageStep.NAME, new CreateImageStep(services)))
                .next(always(progress, "waitForImage", new WaitForImageStep(services)))
                .next(always(progress, TestImageStep.NAME, new TestImageStep(services)))
                .next(finish)
                .next(once(progress, ApplyRetentionStep.NAME, new ApplyRetentionStep(services)))
                .next(always(progress, "writeManifest", new WriteManifestStep(repository, manifest)))
                .build();
        return new JobBuilder(JOB_NAME, repository)
                .listener(listener)
                .start(bake).end()
                .build();
    }

    /**
     * One partition per region, the source region included (sharing and the SSM parameter apply
     * there too), on a bounded pool. A failed region never cancels the others; a resume runs
     * only the partitions that did not complete.
     */
    private Step distribute(StepProgressListener progress, BakeServices services, Recipe recipe) {
        Step copyRegion = new StepBuilder("copyRegion", repository)
                .tasklet(new CopyRegionStep(services), transactions).listener(progress).build();
        SimpleAsyncTaskExecutor pool = new SimpleAsyncTaskExecutor("amibake-copy-");
        pool.setConcurrencyLimit(services.settings().copyConcurrency());
        List<String> regions = recipe.imageRegions();
        return new StepBuilder(DISTRIBUTE, repository)
                .partitioner(DISTRIBUTE, gridSize -> {
                    Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
                    regions.forEach(region -> partitions.put(region, RegionState.forRegion(region)));
                    return partitions;
                })
                .step(copyRegion)
                .gridSize(regions.size())
                .taskExecutor(pool)
                .build();
    }

    /** A step that, once completed, a resume skips. */
    private Step once(StepProgressListener progress, String name, Tasklet tasklet) {
        return new StepBuilder(name, repository).tasklet(checkpointed(progress, tasklet), transactions)
                .listener(progress).build();
    }

    /** A step that runs on every resume, and checks its own work before doing any. */
    private Step always(StepProgressListener progress, String name, Tasklet tasklet) {
        return new StepBuilder(name, repository).tasklet(checkpointed(progress, tasklet), transactions)
                .listener(progress).allowStartIfComplete(true).build();
    }

    /**
     * Saves the job's execution context after every move of a step, before the step's own context
     * is committed. Spring Batch saves it only after a step ends: a process killed in between
     * would resume with a completed step's state lost to every later step.
     */
    private Tasklet checkpointed(StepProgressListener progress, Tasklet tasklet) {
        return (contribution, chunk) -> {
            RepeatStatus status = tasklet.execute(contribution, chunk);
            var execution = chunk.getStepContext().getStepExecution().getJobExecution();
            progress.beforeCheckpoint(execution);
            repository.updateExecutionContext(execution);
            return status;
        };
    }
}
