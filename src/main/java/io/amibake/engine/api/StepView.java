package io.amibake.engine.api;

import java.time.Duration;
import java.time.LocalDateTime;

/**
 * One run of one step of a bake, as the job repository keeps it.
 *
 * @param name      the step's stable name, as stored ({@code copyRegion:REGION} for a region's part)
 * @param region    the region a distribution part served, or null for the bake's own steps
 * @param execution the execution (run of the bake) it ran in
 * @param status    COMPLETED, FAILED, STOPPED, STARTED...
 * @param started   when it began, or null: the job repository's local time, as it stores it
 * @param ended     when it ended, or null while it runs
 * @param distribution whether this is the distribution itself, which only runs the regions' parts
 */
public record StepView(String name, String region, long execution, String status, LocalDateTime started,
                       LocalDateTime ended, boolean distribution) {

    /** How long it ran, or null while it runs. */
    public Duration took() {
        return started == null || ended == null ? null : Duration.between(started, ended);
    }
}
