package io.amibake.engine.job;

import io.amibake.cloud.BakeTags;
import io.amibake.engine.read.BakeFailures;
import io.amibake.engine.read.BakeViews;
import io.amibake.engine.read.Manifest;
import io.amibake.engine.state.BakeState;
import io.amibake.recipe.OnFailure;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;

/**
 * Closes every run of a bake: a build instance left by a failure follows the recipe's
 * {@code onFailure}, unless the run lost its lease; the requests sent are saved with the bake;
 * the manifest is written with the final status, as the job repository holds it.
 */
public final class BakeJobListener implements JobExecutionListener {

    private final RunningBakes runs;
    private final JobRepository repository;

    BakeJobListener(RunningBakes runs, JobRepository repository) {
        this.runs = runs;
        this.repository = repository;
    }

    @Override
    public void beforeJob(JobExecution execution) {
        BakeRun run = runs.of(execution);
        BakeState state = run.state(execution);
        run.requests().begin(state);
        state.dropLegacyWaits();
        run.services().events().bakeStarted(execution.getId(), state.bakeId());
    }

    @Override
    public void afterJob(JobExecution execution) {
        BakeRun run = runs.of(execution);
        BakeServices services = run.services();
        BakeState state = run.state(execution);
        if (run.stop().leaseLost()) {
            services.events().note("bake", "this run lost its lease: the build instance is left to the runner that"
                    + " took the bake over");
        } else if (execution.getStatus() != BatchStatus.COMPLETED && state.recipeYaml() != null) {
            try {
                settleInstance(services, state);
            } catch (Exception e) {
                services.events().note("bake", "could not settle build instance " + state.instanceId() + ": "
                        + e.getMessage());
            }
        }
        Map<String, Long> requests = run.requests().count(state);
        run.requests().countRetries(state);
        JobExecution saved = execution;
        try {
            repository.updateExecutionContext(execution);
        } catch (RuntimeException e) {
            saved = notSaved(execution, e);
        }
        Map<String, Object> written = state.recipeYaml() == null ? Map.of()
                : Manifest.of(BakeViews.of(saved, repository, run.recipe()));
        if (!written.isEmpty()) {
            Manifest.write(written, run.manifest());
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("bake", state.bakeId());
        summary.put("imageId", state.imageId());
        summary.put("imageName", state.imageName());
        summary.put("manifest", run.manifest().toString());
        summary.put("requests", requests);
        String error = BakeFailures.describe(execution);
        if (error != null) {
            summary.put("error", error);
        }
        services.events().bakeFinished(execution.getId(), execution.getStatus().name(), summary);
    }

    /**
     * The final save failed (a full disk, a lost database): the bake did not complete as far as
     * the repository knows, so it fails, and its manifest shows what the repository holds.
     */
    private JobExecution notSaved(JobExecution execution, RuntimeException cause) {
        String reason = "could not save the bake's final state in the job repository (" + cause.getMessage()
                + "); resume the bake once the repository is writable";
        execution.setStatus(BatchStatus.FAILED);
        execution.setExitStatus(ExitStatus.FAILED.addExitDescription(reason));
        execution.addFailureException(new IllegalStateException(reason, cause));
        repository.update(execution);
        JobExecution committed = repository.getJobExecution(execution.getId());
        return committed == null ? execution : committed;
    }

    /** Applies onFailure to a build instance that a failed or stopped run left behind. */
    private void settleInstance(BakeServices services, BakeState state) throws Exception {
        String id = state.instanceId();
        if (id == null) {
            return;
        }
        String region = state.sourceRegion();
        var instance = services.ec2().describeInstances(region, List.of(id)).get(id);
        if (instance == null || instance.isGone()) {
            return;
        }
        // Once the image exists the instance has served its purpose, whatever the policy.
        OnFailure policy = state.imageId() != null && !state.snapshotIds().isEmpty()
                ? OnFailure.TERMINATE : state.recipe().build().onFailure();
        switch (policy) {
            case TERMINATE -> {
                services.ec2().terminate(region, id);
                services.events().note("bake", "terminated build instance " + id);
            }
            case STOP -> {
                if ("pending".equals(instance.state())) {
                    // A pending instance cannot be stopped; it runs in seconds.
                    instance = services.waits().instanceWhileStopping(region, id, i -> i != null && !"pending".equals(i.state()),
                            services.settings().instanceTimeout());
                }
                Duration keep = services.settings().stoppedRetention();
                services.ec2().tag(region, id, Map.of(BakeTags.EXPIRES,
                        services.clock().instant().plus(keep).toString()));
                if (!instance.isStopped() && !"stopping".equals(instance.state())) {
                    services.ec2().stop(region, id);
                }
                services.events().note("bake", "stopped build instance " + id + " for resume (kept until the "
                        + BakeTags.EXPIRES + " tag)");
            }
            case KEEP -> services.events().note("bake", "left build instance " + id + " " + instance.state()
                    + " for debugging (onFailure: keep)");
        }
    }
}
