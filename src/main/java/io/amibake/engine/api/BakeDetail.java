package io.amibake.engine.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One bake as the job repository holds it, every run of it included, read once: what its report
 * and its page in the console show. Built by {@code engine.read.BakeDetails}.
 *
 * @param target       the target's line ({@link Target#toString()})
 * @param started      when its first run began, or null before it did
 * @param ended        when its latest run ended, or null while it runs
 * @param sourceImage  the image the bake was built from, once resolved
 * @param sourceRegion the region the bake builds in; its image is the bake's own, the others are copies
 * @param failure      why the latest run did not complete, or null
 * @param recipeText   the recipe as the bake stored it, its secret values redacted; null for a bake
 *                     stored without it
 * @param runs         each run (execution) of the bake, oldest first
 * @param steps        each run of each of the bake's own steps, oldest first; regions are in {@code regions}
 * @param regions      each region of the recipe, the source region first, as its latest run left it
 * @param tests        the image test's checks, in the recipe's order
 * @param requests     requests sent by every run, by operation
 * @param retries      of those, the ones the SDK sent again after throttling or a transient error
 * @param commands     every command's output, in the order the commands ended
 */
public record BakeDetail(String bakeId, String recipe, String target, long execution, String status,
                         Instant started, Instant ended, String imageName, String imageId, String sourceImage,
                         String sourceRegion, String failure, String recipeText, List<Run> runs, List<Step> steps,
                         List<Region> regions, List<Test> tests, Map<String, Long> requests,
                         Map<String, Long> retries, List<CommandOutput> commands) {

    public BakeDetail {
        runs = List.copyOf(runs);
        steps = List.copyOf(steps);
        regions = List.copyOf(regions);
        tests = List.copyOf(tests);
        requests = Map.copyOf(requests);
        retries = Map.copyOf(retries);
        commands = List.copyOf(commands);
    }

    /** One run of the bake: a new bake's first execution, or a resume. */
    public record Run(long execution, String status, Instant started, Instant ended) {
    }

    /**
     * One run of one step.
     *
     * @param expected what its wait was expected to take: the median of what the same wait took in
     *                 the recipe's earlier bakes against the same target; null when the step waits
     *                 for nothing, or for the first bake there
     */
    public record Step(String name, long execution, String status, Instant start, Instant end, String error,
                       Duration expected) {

        public boolean failed() {
            return "FAILED".equals(status);
        }
    }

    /**
     * One region: in the source region, the bake's own image (shared and published there); in the
     * others, its copy.
     *
     * @param source     whether this is the region the bake builds in
     * @param status     the region's part as its latest run left it: COMPLETED, FAILED, STARTED, NOT STARTED...
     * @param execution  the run its latest part ran in, or 0 when it has not started
     * @param expected   what the copy was expected to take, as for a step
     * @param deployment the copy's test in the region and what was deployed there, or null where the
     *                   recipe does neither
     */
    public record Region(String region, boolean source, String status, String imageId, long execution,
                         Instant start, Instant end, String error, Duration expected, RegionDeployment deployment) {

        public boolean failed() {
            return "FAILED".equals(status);
        }
    }

    /**
     * One check of the image test, on an instance of the new image in the source region.
     *
     * @param status {@code passed}, {@code failed} or {@code pending}
     */
    public record Test(String name, String status) {
    }

    public boolean failed() {
        return "FAILED".equals(status);
    }

    /** Whether it runs now (or was left running by a process that died). */
    public boolean running() {
        return ended == null;
    }
}
