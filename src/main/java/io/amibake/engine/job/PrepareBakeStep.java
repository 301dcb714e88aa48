package io.amibake.engine.job;

import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.state.BakeState;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.Templates;
import java.time.Instant;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Stores the recipe with the bake and renders the image name once: a resume reuses that name,
 * so it can find and adopt the image a crashed run created (AMI names are unique per region).
 */
public final class PrepareBakeStep implements Tasklet {

    private final BakeRun run;
    private final BakeServices services;

    public PrepareBakeStep(BakeRun run) {
        this.run = run;
        this.services = run.services();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) {
        BakeState state = run.state(chunk);
        if (state.recipeYaml() == null) {
            BakeRequest request = run.request();
            state.recipe(request.recipeYaml(), request.recipeFile(), request.variables(), run.recipe().secrets());
        }
        if (state.imageName() == null) {
            Instant now = services.clock().instant();
            Recipe recipe = run.recipe();
            state.startedAt(now);
            state.imageNaming(Templates.render(recipe.image().name(), recipe, now),
                    Templates.render(recipe.image().description(), recipe, now));
        }
        services.events().note("prepare", "image name: " + state.imageName());
        return RepeatStatus.FINISHED;
    }
}
