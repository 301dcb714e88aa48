package io.amibake.engine.job;

import io.amibake.engine.state.BakeState;
import io.amibake.recipe.CommandPlan;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Waits until the build instance's SSM agent is online: a command sent earlier fails with
 * {@code InvalidInstanceId} (docs/aws.md, SSM Run Command). This is also the wait for the new
 * instance to boot; it fails at once when the instance is found gone.
 */
public final class WaitForAgentStep implements Tasklet {

    private final BakeRun run;
    private final BakeServices services;

    public WaitForAgentStep(BakeRun run) {
        this.run = run;
        this.services = run.services();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState state = run.state(chunk);
        boolean commandsRemain = state.commandsDone().size() < CommandPlan.of(state.recipe()).size();
        if (state.imageId() != null || !commandsRemain) {
            return RepeatStatus.FINISHED;
        }
        services.waits().agentOnline(state.sourceRegion(), state.instanceId(),
                services.settings().agentTimeout());
        // An online agent runs on an instance EC2 knows: a resume no longer grants it a new one's grace.
        state.instanceSeen();
        return RepeatStatus.FINISHED;
    }
}
