package io.amibake.engine.job;

import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.wait.StopSignal;
import io.amibake.recipe.Recipe;
import java.nio.file.Path;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;

/**
 * One run of a bake as its steps see it: the recipe, parsed once for the run from what the bake
 * stored (not once per step call or partition), this run's services, and where its manifest goes.
 * The bake service registers it in {@link RunningBakes} for the length of the run; the job's
 * step-scoped tasklets find it there by the execution's {@code bake} parameter.
 *
 * @param request the recipe as given, for a new bake's {@code prepare} step; null on a resume,
 *                which runs the recipe stored with the bake
 */
public record BakeRun(String bakeId, String recipeName, Recipe recipe, BakeServices services, BakeRequest request,
                      Path manifest, StopSignal stop, RequestTally requests) {

    /** The bake's state as a step sees it, with this run's recipe. */
    BakeState state(ChunkContext chunk) {
        return BakeState.of(chunk, recipe);
    }

    /** The bake's state as a job listener or a partition sees it, with this run's recipe. */
    BakeState state(JobExecution execution) {
        return BakeState.of(execution, recipe);
    }
}
