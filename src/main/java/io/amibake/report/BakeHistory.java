package io.amibake.report;

import io.amibake.engine.store.CommandOutputs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One bake as the job repository holds it, every run of it included, read once: what the
 * report shows, and what {@code status} and notifications can show without walking step
 * executions themselves.
 *
 * @param status   the latest execution's status
 * @param failure  why the latest run did not complete, or null
 * @param steps    each run of each step, oldest first; region copies are in {@code regions}
 * @param regions  each region's copy as its latest run left it, in the recipe's order
 * @param requests requests sent by every run, by operation
 * @param retries  of those, the ones the SDK sent again after throttling or a transient error
 * @param commands every command's output, in the order the commands ended
 * @param recipeHistory the recipe's recent bakes, newest first, this one included
 */
public record BakeHistory(String bakeId, String recipe, String target, long execution, String status,
                          Instant started, Instant ended, String imageName, String imageId, String failure,
                          List<Step> steps, List<Region> regions, Map<String, Long> requests,
                          Map<String, Long> retries, List<CommandOutputs.Output> commands,
                          List<PastBake> recipeHistory) {

    /**
     * One run of one step.
     *
     * @param expected what amibake expected its wait to take, from earlier bakes against the same
     *                 target; null when the step waits for nothing or nothing was known
     */
    public record Step(String name, long execution, String status, Instant start, Instant end, String error,
                       Duration expected) {

        public boolean failed() {
            return "FAILED".equals(status);
        }
    }

    /**
     * One region's copy (or, in the source region, the source image's sharing and parameter).
     *
     * @param deployment the copy's test in the region and what was deployed there, or null where the
     *                   recipe does neither
     */
    public record Region(String region, String status, String imageId, Instant start, Instant end, String error,
                         Duration expected, RegionDeployment deployment) {

        public Region(String region, String status, String imageId, Instant start, Instant end, String error,
                      Duration expected) {
            this(region, status, imageId, start, end, error, expected, null);
        }

        public boolean failed() {
            return "FAILED".equals(status);
        }
    }

    /** One bake of the same recipe, for the history chart. */
    public record PastBake(String bakeId, long execution, String status, Instant started, Duration took) {
    }

    public boolean failed() {
        return "FAILED".equals(status);
    }
}
