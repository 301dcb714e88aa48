package io.amibake.engine.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * One bake of a recipe in a line: what a recipe's history, a fleet's sparkline and the report's
 * recent bakes show. Built from the bake's latest execution by {@code engine.read.BakeDetails}.
 *
 * @param execution   the latest execution's id
 * @param status      its status: COMPLETED, FAILED, STOPPED, ABANDONED, STARTED...
 * @param timedOut    whether its latest run was stopped by {@code build.timeout}
 * @param started     when its first run began, or null
 * @param ended       when its latest run ended, or null while it runs
 * @param took        the time its runs took, added up: a resume the next morning adds its own run,
 *                    not the night in between; null while it runs
 * @param runs        how many runs (executions) it has had
 * @param images      each region's image, where it has one
 * @param requests    the requests all its runs sent
 * @param target      the target's line ({@link Target#toString()})
 * @param step        the step its latest execution ran last, or null before it ran one
 * @param imageId     the image it made in its source region, or null
 */
public record BakeSummary(String bakeId, String recipe, long execution, String status, boolean timedOut,
                          Instant started, Instant ended, Duration took, int runs, String sourceImage,
                          Map<String, String> images, long requests, String target, String step, String imageId) {

    public BakeSummary {
        images = Map.copyOf(images);
    }

    /** What {@code status} shows of it. */
    public BakeLine line() {
        return new BakeLine(execution, bakeId, recipe, target, status, step, started, ended, took, runs, imageId);
    }

    public boolean completed() {
        return "COMPLETED".equals(status);
    }

    /** Whether it runs now, or was left running by a process that died. */
    public boolean running() {
        return ended == null;
    }
}
