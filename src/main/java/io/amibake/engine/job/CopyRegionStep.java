package io.amibake.engine.job;

import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.Protections;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.cloud.CopyRequest;
import io.amibake.cloud.Image;
import io.amibake.engine.wait.WaitFailedException;
import io.amibake.engine.wait.Expectation;
import io.amibake.engine.wait.Expectations;
import io.amibake.engine.wait.WaitKind;
import io.amibake.engine.wait.Waits;
import io.amibake.recipe.Account;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.Regions;
import io.amibake.recipe.Templates;
import io.amibake.recipe.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Puts the image in one region: copies it there (the source region keeps the original), waits
 * until the copy is available, tests it there ({@link TestCopyStep}), applies its settings and
 * shares it with the recipe's accounts, launches and tests the region's new instances
 * ({@link DeployInstancesStep}), and only once they passed publishes it (the SSM parameter, the
 * launch template) and retires the instances earlier bakes deployed. One partition of the
 * distribution step runs this per region; a failure here never touches the other regions.
 * <p>
 * A partition of another account (the recipe's {@code accounts}) shares the source image and its
 * snapshots with that account, then has the account's own role copy it from the source region,
 * encrypted with the account's key, and write the account's parameter: the copy is the account's.
 */
public final class CopyRegionStep implements Tasklet {

    private final BakeRun run;
    private final BakeServices services;
    private final CopySlots slots;
    private final CopyPacer pacer;
    private final TestCopyStep testCopy;
    private final DeployInstancesStep deployInstances;

    /**
     * @param slots the copies in flight of the bake's target, shared by its bakes: AWS's limits
     *              are per account and region, not per bake ({@link CopyLimits})
     * @param pacer the CopyImage calls of the bake's target
     */
    CopyRegionStep(BakeRun run, CopySlots slots, CopyPacer pacer) {
        this.run = run;
        this.services = run.services();
        this.slots = slots;
        this.pacer = pacer;
        this.testCopy = new TestCopyStep(run);
        this.deployInstances = new DeployInstancesStep(run);
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState bake = run.state(chunk.getStepContext().getStepExecution().getJobExecution());
        RegionState state = RegionState.of(chunk);
        Recipe recipe = bake.recipe();
        String region = state.region();
        String sourceRegion = recipe.source().region();
        Account account = state.account() == null ? null : recipe.accounts().stream()
                .filter(a -> a.id().equals(state.account())).findFirst()
                .orElseThrow(() -> new IllegalStateException("account " + state.account() + " is no longer in the"
                        + " recipe's accounts"));
        if (account != null) {
            return copyToAccount(bake, recipe, state, account, chunk);
        }
        if (region.equals(sourceRegion)) {
            state.imageId(bake.imageId());
            state.snapshotIds(bake.snapshotIds());
        }
        if (state.imageId() == null) {
            return startCopy(services, region, bake, state, copyRequest(bake, recipe, region, state.attempt()), chunk);
        }
        if (state.snapshotIds().isEmpty()) {
            awaitCopy(services, state, sourceRegion, region, bake.bakeId(),
                    state.copiedBy() == chunk.getStepContext().getStepExecution().getJobExecutionId());
        }
        if (testCopy.execute(contribution, chunk) == RepeatStatus.CONTINUABLE) {
            return RepeatStatus.CONTINUABLE;
        }
        if (!state.prepared()) {
            prepare(bake, recipe, state, region);
            state.markPrepared();
        }
        if (deployInstances.launchAndTest(contribution, chunk) == RepeatStatus.CONTINUABLE) {
            return RepeatStatus.CONTINUABLE;
        }
        if (!state.published()) {
            publish(bake, recipe, state, region, deployInstances.passed(chunk));
            state.markPublished();
        }
        return deployInstances.retire(contribution, chunk);
    }

    /**
     * One region of another account: the source image and its snapshots shared with the account,
     * then the account's CopyImage (its client token per bake, account, region and attempt), its
     * wait, image settings and parameter. No sharing, test or deploy: those are the build account's.
     */
    private RepeatStatus copyToAccount(BakeState bake, Recipe recipe, RegionState state, Account account,
                                       ChunkContext chunk) throws Exception {
        String region = state.region();
        String where = account.id() + "/" + region;
        BakeServices there = services.accounts().of(account);
        String sourceRegion = recipe.source().region();
        String parameter = account.ssmParameter() == null ? null
                : Templates.render(account.ssmParameter(), recipe, bake.startedAt());
        if (state.imageId() == null) {
            // The copy reads the source's snapshots: launch permission alone is not enough (EC2 User
            // Guide, "Copy an AMI"). Both calls set a state, so a resume may make them again.
            services.ec2().shareImage(sourceRegion, bake.imageId(), List.of(account.id()));
            services.ec2().shareSnapshots(sourceRegion, bake.snapshotIds(), List.of(account.id()));
            return startCopy(there, where, bake, state,
                    copyRequest(bake, recipe, region, state.attempt(), account, parameter), chunk);
        }
        if (state.snapshotIds().isEmpty()) {
            awaitCopy(there, state, sourceRegion, region, bake.bakeId(),
                    state.copiedBy() == chunk.getStepContext().getStepExecution().getJobExecutionId());
        }
        if (!state.published()) {
            ImageSettingsApplier.apply(there.ec2(), region, state.imageId(), recipe.image().settings(),
                    bake.startedAt());
            // Published, as a region of the build account marks its image: sweep and abandon leave it
            // to retention even when another partition fails the bake (Protections, "product").
            there.ec2().tag(region, state.imageId(), Map.of(BakeTags.PUBLISHED, services.clock().instant().toString()));
            if (parameter != null && !state.parameterWritten()) {
                // The account deploys nothing amibake tests: only a later bake's copy keeps the parameter.
                moveParameter(there, parameter, region, state.imageId(), true, where);
                state.markParameterWritten();
            }
            state.markPublished();
        }
        return RepeatStatus.FINISHED;
    }

    /**
     * Starts the region's copy through {@code copier}, the build account's services or another
     * account's, and saves its id: the first of the two moves, the wait being the second. The
     * slot is taken before CopyImage, so that it bounds the copies AWS is working on.
     *
     * @param where the region, or {@code ACCOUNT/REGION}, as the bake's lines name it
     */
    private RepeatStatus startCopy(BakeServices copier, String where, BakeState bake, RegionState state,
                                   CopyRequest request, ChunkContext chunk) throws Exception {
        String region = state.region();
        slots.take(region, bake.bakeId(), services.settings().copyLimit(), copier.waits());
        try {
            Duration wait = pacer.take(region);
            if (!wait.isZero()) {
                services.events().note("distribute", where + ": pacing CopyImage, " + Durations.human(wait));
                copier.waits().pause(wait);
            }
            String copyId = new ImageMaker(copier, "distribute").make(region, request.name(), bake.bakeId(),
                    () -> copier.ec2().copyImage(region, request));
            CrashPoints.after("CopyImage");
            state.imageId(copyId);
            state.copiedAt(services.clock().instant());
            state.copiedBy(chunk.getStepContext().getStepExecution().getJobExecutionId());
            services.events().note("distribute", where + ": copying as " + copyId);
        } catch (Exception e) {
            slots.release(region, bake.bakeId());
            throw e;
        }
        return RepeatStatus.CONTINUABLE;
    }

    private void awaitCopy(BakeServices services, RegionState state, String sourceRegion, String region,
                           String bakeId, boolean justStarted) throws Exception {
        // A copy started by an earlier run is in flight too: it counts against the limit.
        slots.take(region, bakeId, services.settings().copyLimit(), services.waits());
        Expectation expected = services.waits().expectations().expected(WaitKind.COPY_AVAILABLE,
                Expectations.copyTarget(sourceRegion, region));
        try (CopyProgressLines lines = new CopyProgressLines(region, expected == null ? null : expected.duration(),
                line -> services.events().note("distribute", line))) {
            int[] lastShown = {-25};
            // A new copy can be unknown to DescribeImages for a while (eventual consistency).
            boolean mayBeNew = state.copiedAt() != null
                    && state.copiedAt().plus(Waits.NEW_IMAGE_GRACE).isAfter(services.clock().instant());
            Image copy = services.waits().copy(sourceRegion, region, state.imageId(), justStarted, mayBeNew,
                    services.settings().copyTimeout(), percent -> {
                lines.progress(percent);
                if (percent >= lastShown[0] + 25) {
                    lastShown[0] = percent;
                    services.events().note("distribute", region + ": " + percent + "%");
                }
            });
            state.snapshotIds(copy.snapshotIds());
            services.events().note("distribute", region + ": " + copy.id() + " is available");
        } catch (WaitFailedException e) {
            discardFailedCopy(services, state, region);
            throw new WaitFailedException(region + ": " + e.getMessage());
        } finally {
            slots.release(region, bakeId);
        }
    }

    /** A failed copy keeps its name and snapshots; remove them so the resume copies afresh. */
    private static void discardFailedCopy(BakeServices services, RegionState state, String region) {
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

    /** What the image needs before any instance launches from it: its settings, and its sharing. */
    private void prepare(BakeState bake, Recipe recipe, RegionState state, String region) {
        ImageSettingsApplier.apply(services.ec2(), region, state.imageId(), recipe.image().settings(), bake.startedAt());
        Regions regions = recipe.regions();
        if (!regions.shareWith().isEmpty() && !state.shared()) {
            services.ec2().shareImage(region, state.imageId(), regions.shareWith());
            state.markShared();
        }
    }

    /**
     * Marks the image published in the region, then moves the SSM parameter and the launch
     * template to it where {@link Protections} allows: only once the region's new instances passed,
     * and never back to an older bake's image.
     */
    private void publish(BakeState bake, Recipe recipe, RegionState state, String region, boolean tested) {
        String imageId = state.imageId();
        if (tested) {
            services.ec2().tag(region, imageId, Map.of(BakeTags.TEST, "passed",
                    BakeTags.PUBLISHED, services.clock().instant().toString()));
        }
        String name = bake.parameterName();
        if (name != null && !state.parameterWritten()) {
            moveParameter(services, name, region, imageId, tested, region);
            state.markParameterWritten();
        }
        if (recipe.deploy().covers(region) && state.launchTemplateVersion() == null) {
            new DeployLaunchTemplate(services).deploy(bake, recipe.deploy().launchTemplate(), state, region, tested);
        }
    }

    /** Moves the parameter in the region to the image where {@link Protections} allows. */
    private static void moveParameter(BakeServices services, String name, String region, String imageId,
                                      boolean tested, String where) {
        String current = services.ssm().findParameter(region, name).orElse(null);
        Map<String, Image> images = services.ec2().describeImages(region,
                current == null || current.equals(imageId) ? List.of(imageId) : List.of(imageId, current));
        Image ours = images.get(imageId);
        Optional<Protections.Why> stays = ours == null ? Optional.empty()
                : Protections.move(ours, tested, current == null ? null : images.get(current));
        if (stays.isEmpty()) {
            services.ssm().putParameter(region, name, imageId);
            CrashPoints.after("PutParameter");
        } else {
            services.events().note("distribute", where + ": " + name + " stays: " + stays.get());
        }
    }

    private CopyRequest copyRequest(BakeState bake, Recipe recipe, String region, int attempt) {
        return copyRequest(bake, recipe, region, attempt, null, bake.parameterName());
    }

    /**
     * The copy into a region of the bake's account, or of another: that account's copy is always
     * encrypted, with its key for the region or its default EBS key, so that it never depends on
     * the build account's key, and records that account's parameter.
     */
    private CopyRequest copyRequest(BakeState bake, Recipe recipe, String region, int attempt, Account account,
                                    String parameter) {
        Map<String, String> tags = new LinkedHashMap<>();
        recipe.image().tags().forEach((key, value) -> tags.put(key, Templates.render(value, recipe, bake.startedAt())));
        Map<String, String> imageTags = BakeTags.forImage(tags, bake.recipeName(), bake.bakeId(), bake.imageName(),
                parameter);
        if (account != null) {
            return new CopyRequest(recipe.source().region(), bake.imageId(), bake.imageName(),
                    bake.imageDescription(), clientToken(bake.bakeId(), account.id() + "-" + region, attempt), true,
                    account.kmsKeys().get(region), imageTags);
        }
        Regions regions = recipe.regions();
        return new CopyRequest(recipe.source().region(), bake.imageId(), bake.imageName(), bake.imageDescription(),
                clientToken(bake.bakeId(), region, attempt), regions.encrypted(), regions.kmsKeys().get(region),
                imageTags);
    }

    /** Deterministic per bake, region and attempt, at most 64 characters (docs/aws.md, CopyImage). */
    static String clientToken(String bakeId, String region, int attempt) {
        String token = bakeId + "-" + region + "-" + attempt;
        return token.length() <= 64 ? token : token.substring(token.length() - 64);
    }
}
