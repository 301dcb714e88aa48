package io.amibake.engine.api;

import java.time.Duration;
import java.time.Instant;

/**
 * One bake in a line as {@code status} lists it: what its executions' rows and its latest
 * execution's image say, read without its recipe. {@link BakeSummary} says more, at the price of
 * parsing each bake's recipe.
 *
 * @param execution the latest execution's id
 * @param status    its status: COMPLETED, FAILED, STOPPED, ABANDONED, STARTED...
 * @param step      the step its latest execution ran last, or null before it ran one
 * @param started   when its first run began, or null
 * @param ended     when its latest run ended, or null while it runs
 * @param took      the time its runs took, added up; null while it runs
 * @param runs      how many runs (executions) it has had
 * @param imageId   the image it made in its source region, or null
 */
public record BakeLine(long execution, String bakeId, String recipe, String target, String status, String step,
                       Instant started, Instant ended, Duration took, int runs, String imageId) {
}
