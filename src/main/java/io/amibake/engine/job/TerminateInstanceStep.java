package io.amibake.engine.job;

import io.amibake.engine.state.BakeState;
import io.amibake.engine.wait.WaitKind;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/** Terminates the build instance once the image exists: nothing is left running. */
public final class TerminateInstanceStep implements Tasklet {

    private final BakeRun run;
    private final BakeServices services;

    public TerminateInstanceStep(BakeRun run) {
        this.run = run;
        this.services = run.services();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState state = run.state(chunk);
        String id = state.instanceId();
        if (id == null) {
            return RepeatStatus.FINISHED;
        }
        String region = state.sourceRegion();
        try {
            if ("terminated".equals(services.ec2().terminate(region, id).state())) {
                return RepeatStatus.FINISHED;
            }
        } catch (io.amibake.cloud.CloudException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
        services.waits().instance(region, id, WaitKind.INSTANCE_TERMINATED,
                i -> i == null || "terminated".equals(i.state()), false,
                services.settings().instanceTimeout());
        return RepeatStatus.FINISHED;
    }
}
