package io.amibake.engine.job;

import io.amibake.engine.api.CommandOutput;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.store.CommandOutputs;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.CommandResult;
import io.amibake.cloud.Instance;
import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.RemoteCommand;
import io.amibake.engine.wait.WaitFailedException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Runs one phase's commands (packages, provision or cleanup) through SSM Run Command, each its
 * own checkpoint: send and save the command id, then wait and mark it done. A resume re-attaches
 * to a command still running, re-sends the one that failed, and skips those that succeeded on
 * the same instance.
 */
public final class RunCommandsStep implements Tasklet {

    /** Slack on top of a command's own timeout before amibake stops waiting for SSM's verdict. */
    private static final Duration VERDICT_SLACK = Duration.ofMinutes(5);

    /** How much of each stream a {@code commandFinished} event carries. */
    static final int EVENT_TAIL = 2_000;

    private final BakeRun run;
    private final BakeServices services;
    private final CommandOutputs outputs;
    private final String phase;
    private final String stepName;

    public RunCommandsStep(BakeRun run, CommandOutputs outputs, String phase, String stepName) {
        this.run = run;
        this.services = run.services();
        this.outputs = outputs;
        this.phase = phase;
        this.stepName = stepName;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState state = run.state(chunk);
        if (state.imageId() != null) {
            return RepeatStatus.FINISHED;
        }
        String region = state.sourceRegion();
        List<RemoteCommand> commands = CommandPlan.of(state.recipe());
        String pending = state.pendingCommand();
        if (pending != null && Pending.parse(pending).execution() < state.instanceStartedIn()) {
            // Sent before the instance was stopped and started again: the agent died with the
            // command, which will never report (SSM leaves it InProgress until it times out).
            services.events().note(stepName, "the instance stopped while '" + Pending.parse(pending).key()
                    + "' ran; sending it again");
            state.pendingCommand(null);
            pending = null;
        }
        if (pending != null) {
            Pending p = Pending.parse(pending);
            Optional<RemoteCommand> command = commands.stream().filter(c -> c.key().equals(p.key())).findFirst();
            if (command.isPresent() && phase.equals(command.get().phase())) {
                return await(state, region, command.get(), p);
            }
            if (command.isEmpty()) {
                state.pendingCommand(null);
            }
        }
        List<String> done = state.commandsDone();
        Optional<RemoteCommand> next = commands.stream()
                .filter(c -> phase.equals(c.phase()) && !done.contains(c.key()))
                .findFirst();
        if (next.isEmpty()) {
            return RepeatStatus.FINISHED;
        }
        RemoteCommand command = next.get();
        String commandId;
        try {
            commandId = services.ssm().sendShell(region, state.instanceId(), command.lines(), command.timeout(),
                    "amibake " + state.bakeId() + " " + command.key());
        } catch (CloudException e) {
            throw "InvalidInstanceId".equals(e.code()) ? whyRefused(region, state, command, e) : e;
        }
        CrashPoints.after("SendCommand");
        services.waits().sent(region, commandId);
        state.pendingCommand(new Pending(command.key(), commandId, state.executionId()).toString());
        services.events().note(stepName, "sent '" + command.name() + "' as " + commandId);
        return RepeatStatus.CONTINUABLE;
    }

    /**
     * SSM refuses a command for an instance that is not running; when the build instance was
     * stopped behind the bake's back, say so, as a command that was running when it stopped does.
     */
    private RuntimeException whyRefused(String region, BakeState state, RemoteCommand command, CloudException refused) {
        Instance instance = services.ec2().describeInstances(region, List.of(state.instanceId())).get(state.instanceId());
        if (instance == null || instance.isRunning()) {
            return refused;
        }
        return new WaitFailedException("the build instance is " + instance.state() + ", so '" + command.name()
                + "' cannot finish; was it stopped outside the bake? A resume starts it and sends the command again");
    }

    private RepeatStatus await(BakeState state, String region, RemoteCommand command, Pending pending)
            throws Exception {
        CommandResult result = services.waits().command(region, pending.commandId(), state.instanceId(),
                command.key(), command.timeout().plus(VERDICT_SLACK));
        keep(state, command, pending, result);
        if (result.isSuccess()) {
            state.commandDone(command.key());
            services.events().note(stepName, "'" + command.name() + "' succeeded");
            return RepeatStatus.CONTINUABLE;
        }
        state.pendingCommand(null);
        if (pending.execution() != state.executionId()) {
            // It failed in an earlier run of this bake, which already reported it: send it again.
            return RepeatStatus.CONTINUABLE;
        }
        throw new CommandFailedException(stepName, command.name(), result.status(), result.responseCode(),
                result.stdout(), result.stderr());
    }

    /** Stores what SSM returned, successful or not, and tells the watcher with the output's tails. */
    private void keep(BakeState state, RemoteCommand command, Pending pending, CommandResult result) {
        outputs.save(new CommandOutput(state.bakeId(), state.executionId(), stepName, command.key(),
                command.name(), pending.commandId(), state.instanceId(), result.status(), result.responseCode(),
                services.clock().instant(), result.stdout(), result.stderr()));
        services.events().commandFinished(stepName, command.name(), result.status(), result.responseCode(),
                CommandOutputs.tail(result.stdout(), EVENT_TAIL), CommandOutputs.tail(result.stderr(), EVENT_TAIL));
    }

    /** A command sent but not seen to end: its key, its SSM id and the execution that sent it. */
    record Pending(String key, String commandId, long execution) {

        static Pending parse(String text) {
            String[] parts = text.split("\\|", 3);
            return new Pending(parts[0], parts[1], Long.parseLong(parts[2]));
        }

        @Override
        public String toString() {
            return key + "|" + commandId + "|" + execution;
        }
    }
}
