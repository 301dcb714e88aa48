package io.amibake.engine.job;

import io.amibake.engine.state.StepNames;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.cloud.Image;
import io.amibake.cloud.Instance;
import io.amibake.engine.wait.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * On a resume, looks once at everything earlier runs made (the image, its copies, the build
 * instance) and forgets what no longer exists, so the steps after it make it again: a cloud
 * that lost its state (an account cleaned up, a restarted sandbox) costs one resume, not one
 * failed resume per vanished resource. A first run has made nothing and sends nothing.
 */
public final class CheckResourcesStep implements Tasklet {

    static final String NAME = "checkResources";
    /** The step that terminates the build instance, which runs once unless this step asks again. */
    static final String TERMINATE = "terminateInstance";

    private final BakeRun run;
    private final BakeServices services;
    private final JobRepository repository;

    public CheckResourcesStep(BakeRun run, JobRepository repository) {
        this.run = run;
        this.services = run.services();
        this.repository = repository;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) {
        BakeState state = run.state(chunk);
        String region = state.sourceRegion();
        boolean imageVanished = false;
        if (state.imageId() != null
                && services.ec2().describeImages(region, List.of(state.imageId())).get(state.imageId()) == null) {
            services.events().note(NAME, "image " + state.imageId() + " no longer exists; the bake makes it again");
            state.imageId(null);
            state.snapshotIds(List.of());
            imageVanished = true;
        }
        if (state.imageId() == null && state.instanceId() != null && instanceVanished(state, region)) {
            services.events().note(NAME, "build instance " + state.instanceId() + " no longer exists; a new one "
                    + "is launched and provisioning restarts from the first command");
            state.launchAttempt(state.launchAttempt() + 1);
            state.instanceId(null);
            state.pendingCommand(null);
            // The instance launched next must be terminated too, although a run did that before.
            runAgain(chunk.getStepContext().getStepExecution().getJobExecution(), TERMINATE);
        }
        forgetVanishedCopies(chunk.getStepContext().getStepExecution().getJobExecution(), state, imageVanished);
        return RepeatStatus.FINISHED;
    }

    /**
     * Unknown to EC2 or terminated. An instance never yet seen may be unknown for a moment after
     * its launch (eventual consistency): only that one gets {@link Waits#NEW_INSTANCE_GRACE}.
     */
    private boolean instanceVanished(BakeState state, String region) {
        Instance instance = services.ec2().describeInstances(region, List.of(state.instanceId()))
                .get(state.instanceId());
        if (instance != null) {
            if (!instance.isGone()) {
                state.instanceSeen();
            }
            return instance.isGone();
        }
        boolean justLaunched = !state.wasInstanceSeen() && state.launchedAt() != null
                && state.launchedAt().plus(Waits.NEW_INSTANCE_GRACE).isAfter(services.clock().instant());
        return !justLaunched;
    }

    /**
     * A region whose image vanished, or was a copy of an image that vanished, runs again on this
     * resume: its last partition is marked failed and forgets its image, as if its copy had failed.
     */
    private void forgetVanishedCopies(JobExecution job, BakeState state, boolean imageVanished) {
        List<StepExecution> rerun = new ArrayList<>();
        for (String region : state.recipe().imageRegions()) {
            StepExecution partition = repository.getLastStepExecution(job.getJobInstance(),
                    StepNames.REGION_PARTITION + region);
            if (partition == null) {
                continue;
            }
            RegionState copy = new RegionState(partition.getExecutionContext());
            if (copy.imageId() == null) {
                continue;
            }
            boolean vanished;
            if (imageVanished || region.equals(state.sourceRegion())) {
                vanished = imageVanished || !copy.imageId().equals(state.imageId());
            } else {
                Map<String, Image> found = services.ec2().describeImages(region, List.of(copy.imageId()));
                vanished = found.get(copy.imageId()) == null;
            }
            if (vanished) {
                if (!region.equals(state.sourceRegion())) {
                    services.events().note(NAME, region + ": copy " + copy.imageId() + " no longer exists (or its "
                            + "source is gone); the region is copied again");
                }
                copy.forget();
                copy.attempt(copy.attempt() + 1);
                rerun.add(partition);
            }
        }
        for (StepExecution partition : rerun) {
            if (partition.getStatus() == BatchStatus.COMPLETED) {
                partition.setStatus(BatchStatus.FAILED);
                repository.update(partition);
            }
            repository.updateExecutionContext(partition);
        }
        if (!rerun.isEmpty()) {
            runAgain(job, StepNames.DISTRIBUTE);
        }
    }

    /** Marks the step's completed run failed, so this resume runs it again. */
    private void runAgain(JobExecution job, String stepName) {
        StepExecution last = repository.getLastStepExecution(job.getJobInstance(), stepName);
        if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
            last.setStatus(BatchStatus.FAILED);
            repository.update(last);
        }
    }
}
