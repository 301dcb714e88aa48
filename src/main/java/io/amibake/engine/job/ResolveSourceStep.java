package io.amibake.engine.job;

import io.amibake.engine.state.BakeState;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.SourceImages;
import io.amibake.recipe.Source;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/** Turns the recipe's source (an id, an SSM parameter or a filter) into one image id, once. */
public final class ResolveSourceStep implements Tasklet {

    private final BakeRun run;
    private final BakeServices services;

    public ResolveSourceStep(BakeRun run) {
        this.run = run;
        this.services = run.services();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) {
        BakeState state = run.state(chunk);
        if (state.sourceImageId() != null) {
            return RepeatStatus.FINISHED;
        }
        Source source = state.recipe().source();
        String imageId = SourceImages.resolve(services.ec2(), services.ssm(), source.query());
        var image = services.ec2().describeImages(source.region(), java.util.List.of(imageId)).get(imageId);
        if (image == null || !image.isAvailable()) {
            throw new CloudException("SourceImageUnavailable", "source image " + imageId + " is "
                    + (image == null ? "unknown" : image.state()) + " in " + source.region());
        }
        state.sourceImage(imageId, image.rootDeviceName());
        services.events().note("resolveSource", imageId + " (" + image.name() + ")");
        return RepeatStatus.FINISHED;
    }
}
