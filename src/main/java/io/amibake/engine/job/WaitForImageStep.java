package io.amibake.engine.job;

import io.amibake.engine.state.BakeState;
import io.amibake.cloud.Image;
import io.amibake.engine.wait.WaitFailedException;
import io.amibake.engine.wait.WaitKind;
import io.amibake.engine.wait.Waits;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Waits until the image is available in the source region. An image that failed is deregistered
 * and forgotten, so the resume creates it again from the same stopped instance.
 */
public final class WaitForImageStep implements Tasklet {

    private final BakeRun run;
    private final BakeServices services;

    public WaitForImageStep(BakeRun run) {
        this.run = run;
        this.services = run.services();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        BakeState state = run.state(chunk);
        String region = state.sourceRegion();
        try {
            // A new image can be unknown to DescribeImages for a while (eventual consistency).
            boolean mayBeNew = state.imageCreatedAt() != null
                    && state.imageCreatedAt().plus(Waits.NEW_IMAGE_GRACE).isAfter(services.clock().instant());
            Image image = services.waits().image(region, state.imageId(), WaitKind.IMAGE_AVAILABLE, null, mayBeNew,
                    services.settings().imageTimeout());
            state.snapshotIds(image.snapshotIds());
            services.events().note("waitForImage", image.id() + " is available");
            return RepeatStatus.FINISHED;
        } catch (WaitFailedException e) {
            String failed = state.imageId();
            try {
                services.ec2().deregisterWithSnapshots(region, failed);
            } catch (RuntimeException ignored) {
                // Already gone; the tag-based sweep finds anything left.
            }
            state.imageId(null);
            state.imageCreatedAt(null);
            throw e;
        }
    }
}
