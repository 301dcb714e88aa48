package io.amibake.bake;

import io.amibake.aws.CopyRequest;
import io.amibake.aws.Image;
import io.amibake.bake.wait.WaitFailedException;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.Regions;
import io.amibake.recipe.Templates;
import io.amibake.recipe.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Puts the image in one region: copies it there (the source region keeps the original), waits
 * until the copy is available, shares it with the recipe's accounts and writes its id to the
 * recipe's SSM parameter. One partition of the distribution step runs this per region; a
 * failure here never touches the other regions.
 */
public final class CopyRegionStep implements Tasklet {

    /** A destination region accepts at most 300 concurrent AMI copies (aws-facts.md, CopyImage). */
    static final int MAX_CONCURRENT_COPIES = 300;

    private static final Map<String, Semaphore> COPY_SLOTS = new ConcurrentHashMap<>();
    private static final CopyPacer PACER = new CopyPacer();

    private final BakeServices services;

    public CopyRegionStep(BakeServices services) {
        this.services = services;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState bake = BakeState.of(chunk.getStepContext().getStepExecution().getJobExecution());
        RegionState state = RegionState.of(chunk);
        Recipe recipe = bake.recipe();
        String region = state.region();
        String sourceRegion = recipe.source().region();
        if (region.equals(sourceRegion)) {
            state.imageId(bake.imageId());
            state.snapshotIds(bake.snapshotIds());
        }
        if (state.imageId() == null) {
            Duration wait = PACER.take(region);
            if (!wait.isZero()) {
                services.events().note("distribute", region + ": pacing CopyImage, " + Durations.human(wait));
                services.waits().pause(wait);
            }
            String copyId = services.ec2().copyImage(region, copyRequest(bake, recipe, region, state.attempt()));
            state.imageId(copyId);
            state.copiedBy(chunk.getStepContext().getStepExecution().getJobExecutionId());
            services.events().note("distribute", region + ": copying as " + copyId);
            return RepeatStatus.CONTINUABLE;
        }
        if (state.snapshotIds().isEmpty()) {
            awaitCopy(state, region, state.copiedBy() == chunk.getStepContext().getStepExecution().getJobExecutionId());
        }
        finish(bake, recipe, state, region);
        return RepeatStatus.FINISHED;
    }

    private void awaitCopy(RegionState state, String region, boolean justStarted) throws Exception {
        Semaphore slots = COPY_SLOTS.computeIfAbsent(region, r -> new Semaphore(MAX_CONCURRENT_COPIES));
        slots.acquire();
        try {
            int[] lastShown = {-25};
            Image copy = services.waits().copy(region, state.imageId(), justStarted, services.settings().copyTimeout(),
                    percent -> {
                if (percent >= lastShown[0] + 25) {
                    lastShown[0] = percent;
                    services.events().note("distribute", region + ": " + percent + "%");
                }
            });
            state.snapshotIds(copy.snapshotIds());
            services.events().note("distribute", region + ": " + copy.id() + " is available");
        } catch (WaitFailedException e) {
            discardFailedCopy(state, region);
            throw new WaitFailedException(region + ": " + e.getMessage());
        } finally {
            slots.release();
        }
    }

    /** A failed copy keeps its name and snapshots; remove them so the resume copies afresh. */
    private void discardFailedCopy(RegionState state, String region) {
        String failed = state.imageId();
        try {
            services.ec2().deregisterWithSnapshots(region, failed);
        } catch (RuntimeException e) {
            services.events().note("distribute", region + ": could not remove failed copy " + failed + ": "
                    + e.getMessage() + " (the sweeper finds it by its tags)");
        }
        state.imageId(null);
        state.attempt(state.attempt() + 1);
    }

    private void finish(BakeState bake, Recipe recipe, RegionState state, String region) {
        Regions regions = recipe.regions();
        if (!regions.shareWith().isEmpty() && !state.shared()) {
            services.ec2().shareImage(region, state.imageId(), regions.shareWith());
            state.markShared();
        }
        if (regions.ssmParameter() != null && !state.parameterWritten()) {
            String name = Templates.render(regions.ssmParameter(), recipe, bake.startedAt());
            services.ssm().putParameter(region, name, state.imageId());
            state.markParameterWritten();
        }
        if (recipe.deploy().covers(region) && state.launchTemplateVersion() == null) {
            new DeployLaunchTemplate(services).deploy(bake, recipe.deploy().launchTemplate(), state, region);
        }
    }

    private CopyRequest copyRequest(BakeState bake, Recipe recipe, String region, int attempt) {
        Map<String, String> tags = new LinkedHashMap<>();
        recipe.image().tags().forEach((key, value) -> tags.put(key, Templates.render(value, recipe, bake.startedAt())));
        Regions regions = recipe.regions();
        return new CopyRequest(recipe.source().region(), bake.imageId(), bake.imageName(), bake.imageDescription(),
                clientToken(bake.bakeId(), region, attempt), regions.encrypted(), regions.kmsKeys().get(region),
                BakeTags.forImage(tags, bake.recipeName(), bake.bakeId(), bake.imageName()));
    }

    /** Deterministic per bake, region and attempt, at most 64 characters (aws-facts.md, CopyImage). */
    static String clientToken(String bakeId, String region, int attempt) {
        String token = bakeId + "-" + region + "-" + attempt;
        return token.length() <= 64 ? token : token.substring(token.length() - 64);
    }
}
