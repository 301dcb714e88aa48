package io.amibake.engine.job;

import io.amibake.cloud.BakeTags;
import io.amibake.engine.state.BakeState;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Instance;
import io.amibake.cloud.LaunchRequest;
import io.amibake.engine.wait.WaitKind;
import io.amibake.engine.wait.Waits;
import io.amibake.recipe.Build;
import io.amibake.recipe.CommandPlan;
import java.util.List;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Makes sure a build instance is running while commands remain. First move: launch with a
 * client token derived from the bake, so a crash before the checkpoint adopts the same
 * instance. Second move: nothing when commands remain (the agent's wait, next, covers the boot),
 * else wait until it runs. On resume it starts a stopped instance, and replaces one that
 * vanished, which restarts provisioning from the first command.
 */
public final class LaunchInstanceStep implements Tasklet {

    static final String NAME = "launchInstance";

    private final BakeRun run;
    private final BakeServices services;
    /** This step execution launched the instance: nothing has happened to it that a look would tell. */
    private boolean launchedHere;

    public LaunchInstanceStep(BakeRun run) {
        this.run = run;
        this.services = run.services();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState state = run.state(chunk);
        if (state.imageId() != null) {
            return RepeatStatus.FINISHED;
        }
        String region = state.sourceRegion();
        String id = state.instanceId();
        if (id == null) {
            launch(state, region);
            return RepeatStatus.CONTINUABLE;
        }
        boolean commandsRemain = state.commandsDone().size() < CommandPlan.of(state.recipe()).size();
        if (launchedHere && commandsRemain) {
            // The agent's wait comes next: an agent online says the instance runs, and that wait
            // reads the instance once it is overdue. Looking now could not change what follows.
            return RepeatStatus.FINISHED;
        }
        Instance instance = services.ec2().describeInstances(region, List.of(id)).get(id);
        if (instance != null && !instance.isGone()) {
            state.instanceSeen();
        }
        boolean justLaunched = !state.wasInstanceSeen() && state.launchedAt() != null
                && state.launchedAt().plus(Waits.NEW_INSTANCE_GRACE).isAfter(services.clock().instant());
        if (instance == null && justLaunched) {
            // EC2 is eventually consistent: a new instance can be unknown for a moment.
            services.waits().instance(region, id, WaitKind.INSTANCE_RUNNING, i -> i != null && i.isRunning(), true,
                    services.settings().instanceTimeout());
            state.instanceSeen();
            return RepeatStatus.FINISHED;
        }
        if (instance == null || instance.isGone()) {
            services.events().note(NAME, "build instance " + id + " is gone; launching a new one, and "
                    + "provisioning restarts from the first command");
            state.launchAttempt(state.launchAttempt() + 1);
            launch(state, region);
            return RepeatStatus.CONTINUABLE;
        }
        if (!commandsRemain && !instance.isRunning()) {
            return RepeatStatus.FINISHED;
        }
        if ("stopping".equals(instance.state())) {
            services.waits().instance(region, id, WaitKind.INSTANCE_STOPPED, i -> i != null && i.isStopped(),
                    false, services.settings().instanceTimeout());
            instance = new Instance(id, "stopped");
        }
        if (instance.isStopped()) {
            services.events().note(NAME, "starting the stopped build instance " + id);
            services.ec2().start(region, id);
            state.instanceStartedIn(state.executionId());
        }
        services.waits().instance(region, id, WaitKind.INSTANCE_RUNNING, i -> i != null && i.isRunning(),
                false, services.settings().instanceTimeout());
        return RepeatStatus.FINISHED;
    }

    /** Capacity shortages pass; retrying later is how tools handle them (docs/aws.md). */
    private static final int CAPACITY_ATTEMPTS = 10;

    private void launch(BakeState state, String region) throws Exception {
        // While the instance boots: the clients every region's copy will need, off the critical path.
        services.clients().prepare(state.recipe().imageRegions());
        Build build = state.recipe().build();
        var tags = BakeTags.forInstance(state.recipeName(), state.bakeId(), state.firstExecution());
        Instance instance = null;
        for (int attempt = 1; instance == null; attempt++) {
            var request = new LaunchRequest(state.sourceImageId(), state.sourceRootDevice(), build.instanceType(),
                    build.subnet(), build.securityGroups(), build.instanceProfile(), build.volumeSize(), tags,
                    clientToken(state.bakeId(), state.launchAttempt()), build.kmsKey());
            try {
                instance = services.ec2().launch(region, request);
            } catch (CloudException e) {
                if ("IdempotentInstanceTerminated".equals(e.code())) {
                    // The token's instance was launched by a run that died before saving its id,
                    // and has been terminated since: the token can never launch again (EC2 keeps
                    // it for at least 24 hours after termination). Move to the next attempt.
                    services.events().note(NAME, "the instance launched under token " + request.clientToken()
                            + " was terminated; launching a new one");
                    state.launchAttempt(state.launchAttempt() + 1);
                    continue;
                }
                if (!"InsufficientInstanceCapacity".equals(e.code()) || attempt == CAPACITY_ATTEMPTS) {
                    throw e;
                }
                services.events().note(NAME, "no " + build.instanceType() + " capacity in " + region
                        + " for now; retrying (" + attempt + "/" + CAPACITY_ATTEMPTS + ")");
                services.waits().backoff(attempt);
            }
        }
        CrashPoints.after("RunInstances");
        launchedHere = true;
        state.instanceId(instance.id());
        state.launchedAt(services.clock().instant());
        // A command sent to an earlier instance can never report on this one.
        state.pendingCommand(null);
        services.events().note(NAME, "launched " + instance.id() + " (" + build.instanceType() + ") in " + region);
    }

    /** At most 64 ASCII characters (docs/aws.md); the same bake and attempt give the same token. */
    static String clientToken(String bakeId, int attempt) {
        String token = bakeId + "-launch-" + attempt;
        return token.length() <= 64 ? token : token.substring(token.length() - 64);
    }
}
