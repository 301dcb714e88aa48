package io.amibake.bake;

import io.amibake.recipe.OnFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
 * {@code onFailure}; the requests sent are saved with the bake; the manifest is written with
 * the final status, as the job repository holds it.
 */
public final class BakeJobListener implements JobExecutionListener {

    private final BakeServices services;
    private final JobRepository repository;
    private final Path manifest;
    private volatile Map<String, Long> requestsAtStart = Map.of();
    private volatile Map<String, Long> requestsOfEarlierRuns = Map.of();
    private volatile Map<String, Long> retriesAtStart = Map.of();

    public BakeJobListener(BakeServices services, JobRepository repository, Path manifest) {
        this.services = services;
        this.repository = repository;
        this.manifest = manifest;
    }

    @Override
    public void beforeJob(JobExecution execution) {
        requestsAtStart = services.clients().requests().snapshot();
        requestsOfEarlierRuns = Map.copyOf(BakeState.of(execution).requests());
        BakeState.of(execution).dropLegacyWaits();
        retriesAtStart = services.clients().requests().retries();
        services.events().bakeStarted(execution.getId(), BakeState.of(execution).bakeId());
    }

    @Override
    public void afterJob(JobExecution execution) {
        BakeState state = BakeState.of(execution);
        if (execution.getStatus() != BatchStatus.COMPLETED && state.recipeYaml() != null) {
            try {
                settleInstance(state);
            } catch (Exception e) {
                services.events().note("bake", "could not settle build instance " + state.instanceId() + ": "
                        + e.getMessage());
            }
        }
        Map<String, Long> requests = countRequests(execution);
        Map<String, Long> retries = new HashMap<>(state.retries());
        services.clients().requests().retries().forEach((operation, count) ->
                retries.merge(operation, count - retriesAtStart.getOrDefault(operation, 0L), Long::sum));
        state.retries(retries);
        JobExecution saved = execution;
        try {
            repository.updateExecutionContext(execution);
        } catch (RuntimeException e) {
            saved = notSaved(execution, e);
        }
        Map<String, Object> written = state.recipeYaml() == null ? Map.of() : Manifest.of(saved, repository);
        if (!written.isEmpty()) {
            Manifest.write(written, manifest);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("bake", state.bakeId());
        summary.put("imageId", state.imageId());
        summary.put("imageName", state.imageName());
        summary.put("manifest", manifest.toString());
        summary.put("requests", requests);
        String error = BakeFailures.describe(execution);
        if (error != null) {
            summary.put("error", error);
        }
        services.events().bakeFinished(execution.getId(), execution.getStatus().name(), summary);
    }

    /**
     * Puts the requests of every run of the bake so far in its state: the runs before this one,
     * as their checkpoints left them, and this one's. Called before every checkpoint, so a run
     * killed outright still has its requests counted by the resume.
     */
    Map<String, Long> countRequests(JobExecution execution) {
        Map<String, Long> requests = new HashMap<>(requestsOfEarlierRuns);
        services.clients().requests().snapshot().forEach((operation, count) ->
                requests.merge(operation, count - requestsAtStart.getOrDefault(operation, 0L), Long::sum));
        requests.values().removeIf(count -> count == 0);
        BakeState.of(execution).requests(requests);
        return requests;
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
    private void settleInstance(BakeState state) throws Exception {
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
