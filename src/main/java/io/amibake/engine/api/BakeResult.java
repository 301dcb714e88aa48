package io.amibake.engine.api;

import io.amibake.recipe.Recipe;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;

/**
 * How one run of a bake ended.
 *
 * @param status  Spring Batch's status name: COMPLETED, FAILED, STOPPED
 * @param error   the failure's message, or null
 * @param timedOut whether the run was stopped because it outlasted {@code build.timeout}: a stop
 *                 nobody asked for, which a schedule counts as a failure
 * @param view     the bake as the run left it (its regions' images, its steps), or null for a
 *                 run that never began
 * @param recipe   the recipe the run baked, parsed once for it, or null for a run that never began
 */
public record BakeResult(long executionId, String bakeId, String status, String imageId, Path manifest,
                         String error, boolean timedOut, BakeView view, Recipe recipe) {

    public BakeResult(long executionId, String bakeId, String status, String imageId, Path manifest, String error) {
        this(executionId, bakeId, status, imageId, manifest, error, false, null, null);
    }

    /** Each region's image, where the run left one. */
    public Map<String, String> images() {
        return view == null ? Map.of() : view.images();
    }

    /** The exit code a run stopped by {@code build.timeout} keeps in the job repository. */
    public static final String TIMED_OUT = "TIMED_OUT";

    /** Whether a stored run of a bake was stopped by its {@code build.timeout}. */
    public static boolean timedOut(JobExecution execution) {
        return execution.getStatus() == BatchStatus.STOPPED
                && TIMED_OUT.equals(execution.getExitStatus().getExitCode());
    }

    public boolean completed() {
        return "COMPLETED".equals(status);
    }
}
