package io.amibake.bake;

import io.amibake.aws.CloudException;
import io.amibake.aws.Ec2Gateway;
import io.amibake.aws.SsmGateway;
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
        String imageId = resolve(services.ec2(), services.ssm(), source);
        var image = services.ec2().describeImages(source.region(), java.util.List.of(imageId)).get(imageId);
        if (image == null || !image.isAvailable()) {
            throw new CloudException("SourceImageUnavailable", "source image " + imageId + " is "
                    + (image == null ? "unknown" : image.state()) + " in " + source.region());
        }
        state.sourceImage(imageId, image.rootDeviceName());
        services.events().note("resolveSource", imageId + " (" + image.name() + ")");
        return RepeatStatus.FINISHED;
    }

    private String resolve(Source source) {
        return resolve(services.ec2(), services.ssm(), source);
    }

    /** The source's image id as a bake resolves it: the id itself, the SSM parameter's value, or the filter's newest match. */
    public static String resolve(Ec2Gateway ec2, SsmGateway ssm, Source source) {
        if (source.ami() != null) {
            return source.ami();
        }
        if (source.ssmParameter() != null) {
            return ssm.parameter(source.region(), source.ssmParameter());
        }
        var filter = source.filter();
        return ec2.newestImage(source.region(), filter.owners(), filter.name(), filter.architecture())
                .orElseThrow(() -> new CloudException("SourceImageNotFound", "no available image matches name '"
                        + filter.name() + "', owners " + filter.owners() + ", architecture "
                        + filter.architecture() + " in " + source.region()))
                .id();
    }
}
