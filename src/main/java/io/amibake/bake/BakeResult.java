package io.amibake.bake;

import java.nio.file.Path;

/**
 * How one run of a bake ended.
 *
 * @param status  Spring Batch's status name: COMPLETED, FAILED, STOPPED
 * @param error   the failure's message, or null
 * @param timedOut whether the run was stopped because it outlasted {@code build.timeout}: a stop
 *                 nobody asked for, which a schedule counts as a failure
 */
public record BakeResult(long executionId, String bakeId, String status, String imageId, Path manifest,
                         String error, boolean timedOut) {

    public BakeResult(long executionId, String bakeId, String status, String imageId, Path manifest, String error) {
        this(executionId, bakeId, status, imageId, manifest, error, false);
    }

    public boolean completed() {
        return "COMPLETED".equals(status);
    }
}
