package io.amibake.engine.job;

import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.StepNames;
import io.amibake.engine.state.RegionState;
import io.amibake.engine.api.Retention;
import io.amibake.engine.api.Target;
import io.amibake.engine.store.BakeSettings;
import io.amibake.engine.store.CommandOutputs;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.FlowBuilder;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.Flow;
import org.springframework.batch.core.job.flow.support.SimpleFlow;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The bake job, step by step: one bean for every bake. Its tasklets are step-scoped: each step
 * execution gets its own, made for the run the execution belongs to (found by the execution's
 * {@code bake} parameter in {@link RunningBakes}), with the recipe that run parsed once.
 * Step names are stable: a restart finds its checkpoints by them. Steps that keep the build
 * instance in shape run again on every resume and do nothing when their work is already done;
 * the others run once.
 */
@Configuration
public class BakeJobConfiguration {

    private static final String JOB_NAME = StepNames.JOB;
    private static final String DISTRIBUTE = StepNames.DISTRIBUTE;
    /** The bake id of the step's execution, for a step-scoped bean. */
    private static final String BAKE = "#{jobParameters['" + BakeParameters.BAKE + "']}";
    /** The target of the step's execution, for a step-scoped bean. */
    private static final String TARGET = "#{jobParameters['" + BakeParameters.TARGET + "']}";

    private final JobRepository repository;
    /**
     * The steps touch no database themselves: their only writes are the repository's own
     * checkpoint updates, which run in transactions of their own. Waiting inside a database
     * transaction would hold a connection per waiting region for the length of a copy.
     */
    private final PlatformTransactionManager transactions = new ResourcelessTransactionManager();
    private final RunningBakes runs;
    private final CommandOutputs outputs;
    private final BakeSettings settings;
    private final Retention retention;
    private final CopyLimits limits;

    public BakeJobConfiguration(JobRepository repository, RunningBakes runs, CommandOutputs outputs,
                                BakeSettings settings, Retention retention, CopyLimits limits) {
        this.limits = limits;
        this.repository = repository;
        this.retention = retention;
        this.runs = runs;
        this.outputs = outputs;
        this.settings = settings;
    }

    /**
     * The bake job. After the image is available, an instance launched from it runs the recipe's
     * tests; only then is the build instance terminated while the image is distributed: the
     * copies need nothing from it.
     */
    @Bean
    public Job bakeJob() {
        StepProgressListener progress = new StepProgressListener(runs);
        Flow terminate = new FlowBuilder<SimpleFlow>("terminate")
                .start(once(progress, CheckResourcesStep.TERMINATE, terminateInstance(null))).build();
        Flow distribute = new FlowBuilder<SimpleFlow>(DISTRIBUTE).start(distribute(progress)).build();
        Flow finish = new FlowBuilder<SimpleFlow>("finish")
                .split(new SimpleAsyncTaskExecutor("amibake-finish-")).add(terminate, distribute).build();
        Flow bake = new FlowBuilder<SimpleFlow>(JOB_NAME)
                .start(once(progress, "prepare", prepare(null)))
                .next(once(progress, "resolveSource", resolveSource(null)))
                .next(always(progress, CheckResourcesStep.NAME, checkResources(null)))
                .next(always(progress, LaunchInstanceStep.NAME, launchInstance(null)))
                .next(always(progress, "waitForAgent", waitForAgent(null)))
                .next(always(progress, "installPackages", installPackages(null)))
                .next(always(progress, "provision", provision(null)))
                .next(always(progress, "cleanup", cleanup(null)))
                .next(always(progress, "stopInstance", stopInstance(null)))
                .next(always(progress, CreateImageStep.NAME, createImage(null)))
                .next(always(progress, "waitForImage", waitForImage(null)))
                .next(always(progress, TestImageStep.NAME, testImage(null)))
                .next(finish)
                .next(once(progress, ApplyRetentionStep.NAME, applyRetention(null)))
                .next(always(progress, "writeManifest", writeManifest(null)))
                .build();
        return new JobBuilder(JOB_NAME, repository)
                .listener(new BakeJobListener(runs, repository))
                .start(bake).end()
                .build();
    }

    /**
     * One partition per region, the source region included (sharing and the SSM parameter apply
     * there too), on a bounded pool. A failed region never cancels the others; a resume runs
     * only the partitions that did not complete.
     */
    private Step distribute(StepProgressListener progress) {
        Step copyRegion = new StepBuilder("copyRegion", repository)
                .tasklet(copyRegion(null, null, null), transactions).listener(progress).build();
        return new StepBuilder(DISTRIBUTE, repository)
                .partitioner(DISTRIBUTE, regions(null))
                .step(copyRegion)
                .taskExecutor(regionPool())
                .build();
    }

    /**
     * The pool a bake's region partitions run on, one per distribute step execution: the copy
     * concurrency bounds each bake's partitions, not the process's. One pool for the process
     * would make a fleet's bakes take turns, and their copies, no longer in flight together,
     * would no longer share their looks (FleetBenchmark). Not a default candidate, so that no
     * auto-configuration (serve's task executor) takes it for the application's executor.
     */
    @Bean(defaultCandidate = false)
    @StepScope
    TaskExecutor regionPool() {
        SimpleAsyncTaskExecutor pool = new SimpleAsyncTaskExecutor("amibake-copy-");
        pool.setConcurrencyLimit(settings.copyConcurrency());
        return pool;
    }

    /** The recipe's regions, the source region first, then its accounts' regions, as the run knows them. */
    @Bean
    @StepScope
    Partitioner regions(@Value(BAKE) String bake) {
        return gridSize -> RegionState.partitions(runs.of(bake).recipe());
    }

    @Bean
    @StepScope
    Tasklet prepare(@Value(BAKE) String bake) {
        return new PrepareBakeStep(runs.of(bake));
    }

    @Bean
    @StepScope
    Tasklet resolveSource(@Value(BAKE) String bake) {
        return new ResolveSourceStep(runs.of(bake));
    }

    @Bean
    @StepScope
    Tasklet checkResources(@Value(BAKE) String bake) {
        return new CheckResourcesStep(runs.of(bake), repository);
    }

    @Bean
    @StepScope
    Tasklet launchInstance(@Value(BAKE) String bake) {
        return new LaunchInstanceStep(runs.of(bake));
    }

    @Bean
    @StepScope
    Tasklet waitForAgent(@Value(BAKE) String bake) {
        return new WaitForAgentStep(runs.of(bake));
    }

    @Bean
    @StepScope
    Tasklet installPackages(@Value(BAKE) String bake) {
        return new RunCommandsStep(runs.of(bake), outputs, "packages", "installPackages");
    }

    @Bean
    @StepScope
    Tasklet provision(@Value(BAKE) String bake) {
        return new RunCommandsStep(runs.of(bake), outputs, "provision", "provision");
    }

    @Bean
    @StepScope
    Tasklet cleanup(@Value(BAKE) String bake) {
        return new RunCommandsStep(runs.of(bake), outputs, "cleanup", "cleanup");
    }

    @Bean
    @StepScope
    Tasklet stopInstance(@Value(BAKE) String bake) {
        return new StopInstanceStep(runs.of(bake));
    }

    @Bean
    @StepScope
    Tasklet createImage(@Value(BAKE) String bake) {
        return new CreateImageStep(runs.of(bake));
    }

    @Bean
    @StepScope
    Tasklet waitForImage(@Value(BAKE) String bake) {
        return new WaitForImageStep(runs.of(bake));
    }

    @Bean
    @StepScope
    Tasklet testImage(@Value(BAKE) String bake) {
        return new TestImageStep(runs.of(bake), outputs);
    }

    @Bean
    @StepScope
    Tasklet terminateInstance(@Value(BAKE) String bake) {
        return new TerminateInstanceStep(runs.of(bake));
    }

    @Bean
    @StepScope
    Tasklet copyRegion(@Value(BAKE) String bake, @Value(TARGET) String target,
                       @Value("#{stepExecutionContext['region.account']}") String account) {
        // AWS's copy limits are per account and region: another account's partitions draw on its own.
        Target own = Target.parse(target);
        String key = (account == null ? own : own.withRole(null).withAccount(account)).key();
        return new CopyRegionStep(runs.of(bake), limits.slots(key), limits.pacer(key));
    }

    @Bean
    @StepScope
    Tasklet applyRetention(@Value(BAKE) String bake) {
        return new ApplyRetentionStep(runs.of(bake), retention);
    }

    @Bean
    @StepScope
    Tasklet writeManifest(@Value(BAKE) String bake) {
        return new WriteManifestStep(repository, runs.of(bake));
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
