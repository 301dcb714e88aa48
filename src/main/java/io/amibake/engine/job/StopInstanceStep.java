package io.amibake.engine.job;

import io.amibake.cloud.CloudException;
import io.amibake.cloud.Instance;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.wait.WaitKind;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Stops the build instance, so the image is made from a quiet file system without a reboot
 * (docs/aws.md, CreateImage).
 */
public final class StopInstanceStep implements Tasklet {

    private final BakeRun run;
    private final BakeServices services;

    public StopInstanceStep(BakeRun run) {
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
        // StopInstances answers with the instance's state: the first look, and on a resume it
        // finds an instance already stopped (stopping a stopped instance changes nothing).
        Instance instance = stop(region, id);
        if (!instance.isStopped()) {
            services.waits().instance(region, id, WaitKind.INSTANCE_STOPPED, i -> i != null && i.isStopped(),
                    false, services.settings().instanceTimeout());
        }
        return RepeatStatus.FINISHED;
    }

    private Instance stop(String region, String id) throws Exception {
        try {
            return services.ec2().stop(region, id);
        } catch (CloudException e) {
            if (!"IncorrectInstanceState".equals(e.code())) {
                throw e;
            }
        }
        // EC2 refuses to stop a pending instance, and a recipe with no command to send comes here
        // without waiting for its agent: it runs in seconds. Stopping a gone one fails in EC2's words.
        services.waits().instance(region, id, WaitKind.INSTANCE_RUNNING, i -> i != null && !"pending".equals(i.state()),
                false, services.settings().instanceTimeout());
        return services.ec2().stop(region, id);
    }
}
