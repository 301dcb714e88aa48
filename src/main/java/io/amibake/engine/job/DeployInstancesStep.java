package io.amibake.engine.job;

import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.BakeIds;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.engine.state.TestState;
import io.amibake.cloud.Instance;
import io.amibake.cloud.Tagged;
import io.amibake.recipe.CommandPlan;
import io.amibake.engine.api.Protections;
import io.amibake.recipe.DeployInstances;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RemoteCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Keeps {@code deploy.instances.count} running instances of the region's new image in one region,
 * one move per call in the region's partition, in two halves around the region's publishing:
 * {@link #launchAndTest} launches each new instance (client token per bake, slot and attempt; the
 * bake's tags; IMDSv2, encrypted, no key) and waits until its agent is online and the recipe's
 * tests pass on it; {@link #retire}, once the region published the image, terminates the
 * instances earlier bakes deployed there, as {@link Protections} allows. A failure before that
 * terminates this bake's new instances, tags the image as failed when a test failed, and leaves
 * the old ones serving; a resume starts the region's deploy again. Never backwards: when the
 * region already runs instances of a later bake, this one deploys nothing there.
 */
final class DeployInstancesStep {

    static final String NAME = "deployInstances";
    /** The role of an instance deployed and tested: the sweeper leaves it alone. */
    static final String DEPLOYED = "deploy";
    /** The role of an instance launched and not yet tested: a leftover once its bake is over. */
    static final String LAUNCHING = "deploying";

    private final BakeRun run;
    private final BakeServices services;
    private final InstanceTests tests;

    DeployInstancesStep(BakeRun run) {
        this.run = run;
        this.services = run.services();
        this.tests = new InstanceTests(services, NAME);
    }

    /** One move of launching and testing the region's new instances; FINISHED once all passed, or none are due. */
    RepeatStatus launchAndTest(StepContribution contribution, ChunkContext chunk) throws Exception {
        Deploy deploy = deploy(chunk);
        if (deploy == null) {
            return RepeatStatus.FINISHED;
        }
        BakeState bake = deploy.bake();
        RegionState state = deploy.state();
        String region = state.region();
        List<TestState> slots = deploy.slots();
        Optional<Tagged> later = deploy.deployed().stream().filter(i -> isLater(i, bake.bakeId())).findFirst();
        if (later.isPresent()) {
            discard(region, slots);
            state.deployedInstances(deploy.deployed().stream().filter(i -> isLater(i, bake.bakeId()))
                    .map(Tagged::id).toList());
            services.events().note("distribute", region + ": instances stay on " + later.get().tags().get(BakeTags.BAKE)
                    + ", a bake that started later than this one");
            return RepeatStatus.FINISHED;
        }
        try {
            // A copy made again (the first one vanished) makes the instances launched from the old one stale.
            for (TestState instance : slots) {
                String from = instance.launchedFrom();
                if (instance.instanceId() != null && from != null && !from.equals(state.imageId())) {
                    tests.terminate(region, instance.instanceId());
                    services.events().note("distribute", region + ": terminated " + instance.instanceId()
                            + ", launched from " + from + " before the region's copy was made again");
                    instance.forget();
                    return RepeatStatus.CONTINUABLE;
                }
            }
            // All launched first, so that they boot together; then each is tested in turn.
            for (int slot = 0; slot < slots.size(); slot++) {
                TestState instance = slots.get(slot);
                if (instance.instanceId() == null && !state.imageId().equals(instance.passedImage())) {
                    return launch(bake, state, bake.recipe().deploy().instances(), slot, instance);
                }
            }
            for (TestState instance : slots) {
                if (!state.imageId().equals(instance.passedImage())) {
                    return test(bake, state, instance);
                }
            }
        } catch (Exception e) {
            discard(region, slots);
            if (e instanceof CommandFailedException) {
                services.ec2().tag(region, state.imageId(), Map.of(BakeTags.TEST, "failed"));
                services.events().note("distribute", region + ": " + state.imageId() + " failed its tests on a new"
                        + " instance; it is tagged " + BakeTags.TEST + "=failed and not published here");
            }
            throw e;
        }
        return RepeatStatus.FINISHED;
    }

    /**
     * Whether the region's new instances of its image all passed their tests: true when the recipe
     * deploys none there, false when a later bake's instances serve it and this bake tested none.
     */
    boolean passed(ChunkContext chunk) {
        Recipe recipe = run.state(chunk).recipe();
        RegionState state = RegionState.of(chunk);
        if (!recipe.deploy().deploysInstances(state.region())) {
            return true;
        }
        ExecutionContext context = chunk.getStepContext().getStepExecution().getExecutionContext();
        for (int slot = 0; slot < recipe.deploy().instances().count(); slot++) {
            if (!state.imageId().equals(TestState.in(context, "region.deploy." + slot + ".").passedImage())) {
                return false;
            }
        }
        return true;
    }

    /** Once the region published its image: terminates the instances that earlier bakes deployed there. */
    RepeatStatus retire(StepContribution contribution, ChunkContext chunk) {
        Deploy deploy = deploy(chunk);
        if (deploy == null) {
            return RepeatStatus.FINISHED;
        }
        RegionState state = deploy.state();
        String region = state.region();
        List<String> ours = deploy.slots().stream().map(TestState::instanceId).toList();
        boolean passed = passed(chunk);
        for (Tagged old : deploy.deployed()) {
            if (ours.contains(old.id())) {
                continue;
            }
            Optional<Protections.Why> stays = Protections.retire(old.tags(), deploy.bake().bakeId(), passed);
            if (stays.isPresent()) {
                services.events().note("distribute", region + ": " + old.id() + " stays: " + stays.get());
                continue;
            }
            tests.terminate(region, old.id());
            services.events().note("distribute", region + ": terminated " + old.id() + " of "
                    + old.tags().get(BakeTags.BAKE));
        }
        state.deployedInstances(ours);
        services.events().note("distribute", region + ": " + ours.size() + " instance(s) of " + state.imageId()
                + " deployed" + (ours.isEmpty() ? "" : ": " + String.join(", ", ours)));
        return RepeatStatus.FINISHED;
    }

    /** What one move of the region's deploy works on; null when the region has none due. */
    private record Deploy(BakeState bake, RegionState state, List<TestState> slots, List<Tagged> deployed) {
    }

    private Deploy deploy(ChunkContext chunk) {
        BakeState bake = run.state(chunk.getStepContext().getStepExecution().getJobExecution());
        RegionState state = RegionState.of(chunk);
        Recipe recipe = bake.recipe();
        String region = state.region();
        if (!recipe.deploy().deploysInstances(region) || state.deployedInstances() != null) {
            return null;
        }
        ExecutionContext context = chunk.getStepContext().getStepExecution().getExecutionContext();
        List<TestState> slots = new ArrayList<>();
        for (int slot = 0; slot < recipe.deploy().instances().count(); slot++) {
            slots.add(TestState.in(context, "region.deploy." + slot + "."));
        }
        List<Tagged> deployed = services.ec2().findInstances(region,
                Map.of(BakeTags.RECIPE, bake.recipeName(), TestImageStep.ROLE_TAG, DEPLOYED)).stream()
                .filter(i -> !"shutting-down".equals(i.state())).toList();
        return new Deploy(bake, state, slots, deployed);
    }

    private RepeatStatus launch(BakeState bake, RegionState state, DeployInstances spec, int slot,
                                TestState instance) {
        String region = state.region();
        Map<String, String> tags = BakeTags.forInstance(bake.recipeName(), bake.bakeId(), bake.firstExecution());
        tags.put("Name", bake.recipeName());
        tags.put(TestImageStep.ROLE_TAG, LAUNCHING);
        String type = spec.instanceType() != null ? spec.instanceType() : bake.recipe().build().instanceType();
        Instance launched = tests.launch(bake, region, state.imageId(), type, spec.subnet(region),
                spec.securityGroups(region), tags, clientToken(bake.bakeId(), slot, instance.attempt()));
        instance.instanceId(launched.id());
        instance.launchedFrom(state.imageId());
        services.events().note("distribute", region + ": launched " + launched.id() + " of " + state.imageId());
        return RepeatStatus.CONTINUABLE;
    }

    /** One move on a new instance: wait for it, run a test, or mark it deployed once all passed. */
    private RepeatStatus test(BakeState bake, RegionState state, TestState instance) throws Exception {
        String region = state.region();
        String id = instance.instanceId();
        if (!tests.ready(instance, bake.executionId(), region, id, "new instance")) {
            return RepeatStatus.CONTINUABLE;
        }
        List<RemoteCommand> commands = CommandPlan.tests(bake.recipe());
        if (tests.runNext(bake, instance, region, id, commands) == RepeatStatus.CONTINUABLE) {
            return RepeatStatus.CONTINUABLE;
        }
        services.ec2().tag(region, id, Map.of(TestImageStep.ROLE_TAG, DEPLOYED));
        instance.passed(state.imageId());
        services.events().note("distribute", region + ": " + id + " passed its tests");
        return RepeatStatus.CONTINUABLE;
    }

    /** Terminates this bake's new instances in the region: they never serve half a deploy. */
    private void discard(String region, List<TestState> slots) {
        for (TestState instance : slots) {
            String id = instance.instanceId();
            if (id != null) {
                try {
                    tests.terminate(region, id);
                    services.events().note("distribute", region + ": terminated new instance " + id);
                } catch (RuntimeException e) {
                    services.events().note("distribute", region + ": could not terminate " + id + ": "
                            + e.getMessage() + " (the sweeper finds it by its tags)");
                }
                instance.forget();
            }
        }
    }

    /** Whether the instance was deployed by a bake that started after {@code bakeId}. */
    private static boolean isLater(Tagged instance, String bakeId) {
        return BakeIds.startedLater(instance.tags().get(BakeTags.BAKE), bakeId);
    }

    /** At most 64 ASCII characters; the same bake, slot and attempt give the same token. */
    static String clientToken(String bakeId, int slot, int attempt) {
        String token = bakeId + "-deploy-" + slot + "-" + attempt;
        return token.length() <= 64 ? token : token.substring(token.length() - 64);
    }
}
