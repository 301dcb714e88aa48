package io.amibake.bake;

import io.amibake.recipe.OnFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;

/**
 * Closes every run of a bake: a build instance left by a failure follows the recipe's
 * {@code onFailure}; what the waits learned and the requests sent are saved with the bake; the
 * manifest is written with the final status.
 */
public final class BakeJobListener implements JobExecutionListener {

    private final BakeServices services;
    private final JobRepository repository;
    private final Path manifest;
    private Map<String, Long> requestsAtStart = Map.of();
    private Map<String, Long> retriesAtStart = Map.of();

    public BakeJobListener(BakeServices services, JobRepository repository, Path manifest) {
        this.services = services;
        this.repository = repository;
        this.manifest = manifest;
    }

    @Override
    public void beforeJob(JobExecution execution) {
        requestsAtStart = services.clients().requests().snapshot();
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
        Map<String, Long> requests = new HashMap<>(state.requests());
        services.clients().requests().snapshot().forEach((operation, count) ->
                requests.merge(operation, count - requestsAtStart.getOrDefault(operation, 0L), Long::sum));
        state.requests(requests);
        Map<String, Long> retries = new HashMap<>(state.retries());
        services.clients().requests().retries().forEach((operation, count) ->
                retries.merge(operation, count - retriesAtStart.getOrDefault(operation, 0L), Long::sum));
        state.retries(retries);
        state.observedWaits(services.waits().expectations().snapshot());
        repository.updateExecutionContext(execution);
        Map<String, Object> written = state.recipeYaml() == null ? Map.of() : Manifest.of(execution, repository);
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
