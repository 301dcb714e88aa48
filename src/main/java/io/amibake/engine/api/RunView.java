package io.amibake.engine.api;

import java.time.Instant;

/**
 * One run (execution) of a bake as the job repository holds it, read without parsing the bake's
 * recipe: what the scheduler and the notifier ask of an earlier run. Built by
 * {@code engine.read.BakeViews}.
 *
 * @param execution   the execution's id
 * @param status      its status: COMPLETED, FAILED, STOPPED, ABANDONED, STARTED...
 * @param running     whether it runs, or was left running by a process that died (STARTING, STARTED, STOPPING)
 * @param timedOut    whether {@code build.timeout} stopped it
 * @param error       why it did not complete: the timeout's message for a run that timed out, else one
 *                    line per failed step or region; null when it completed or nothing failed
 * @param imageId     the image the bake made in its source region, or null
 * @param sourceImage the image the bake was built from, once resolved
 * @param started     when it began, or null
 * @param ended       when it ended, or null while it runs
 */
public record RunView(long execution, String recipe, String bakeId, String status, boolean running,
                      boolean timedOut, String error, String imageId, String sourceImage, Instant started,
                      Instant ended) {

    public boolean completed() {
        return "COMPLETED".equals(status);
    }

    /** Whether it failed, was abandoned or timed out: a run somebody should hear of. */
    public boolean failed() {
        return "FAILED".equals(status) || "ABANDONED".equals(status) || timedOut;
    }
}
