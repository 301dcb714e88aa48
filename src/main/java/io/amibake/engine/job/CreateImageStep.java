package io.amibake.engine.job;

import io.amibake.cloud.BakeTags;
import io.amibake.engine.state.BakeState;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Image;
import io.amibake.recipe.Templates;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Creates the image from the stopped build instance, once. CreateImage has no client token, so
 * before calling it the step looks for an image of the bake's name: one carrying this bake's tag
 * was made by a run that crashed before its checkpoint, and is adopted (docs/aws.md). A new
 * image may not be listed yet; {@link ImageMaker} adopts it when the name turns out to be taken,
 * and looks for it after a server error instead of calling again blindly.
 */
public final class CreateImageStep implements Tasklet {

    static final String NAME = "createImage";

    private final BakeRun run;
    private final BakeServices services;

    public CreateImageStep(BakeRun run) {
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
        Optional<Image> existing = services.ec2().findOwnImageByName(region, state.imageName());
        // A failed image of this bake is left to ImageMaker, which removes it and makes it again.
        boolean ownFailed = existing.isPresent() && existing.get().isFailed()
                && state.bakeId().equals(existing.get().tags().get(BakeTags.BAKE));
        if (existing.isPresent() && !ownFailed) {
            Image image = existing.get();
            if (!state.bakeId().equals(image.tags().get(BakeTags.BAKE))) {
                throw new CloudException("InvalidAMIName.Duplicate", "an image named '" + state.imageName()
                        + "' already exists in " + region + " (" + image.id() + ") and was not made by this bake;"
                        + " put {{timestamp}} or {{date}} in image.name, or deregister it");
            }
            state.imageId(image.id());
            services.events().note(NAME, "adopted " + image.id() + ", created by an earlier run of this bake");
            return RepeatStatus.FINISHED;
        }
        var recipe = state.recipe();
        Map<String, String> recipeTags = new LinkedHashMap<>();
        // Tag values are templates too, rendered at the bake's start like the name.
        recipe.image().tags().forEach((key, value) ->
                recipeTags.put(key, Templates.render(value, recipe, state.startedAt())));
        var tags = BakeTags.forImage(recipeTags, state.recipeName(), state.bakeId(), state.imageName(),
                state.parameterName());
        String imageId = new ImageMaker(services, NAME).make(region, state.imageName(), state.bakeId(),
                () -> services.ec2().createImage(region, state.instanceId(), state.imageName(),
                        state.imageDescription(), tags));
        CrashPoints.after("CreateImage");
        services.waits().started(imageId);
        state.imageId(imageId);
        state.imageCreatedAt(services.clock().instant());
        services.events().note(NAME, "creating " + imageId + " '" + state.imageName() + "'");
        return RepeatStatus.FINISHED;
    }
}
