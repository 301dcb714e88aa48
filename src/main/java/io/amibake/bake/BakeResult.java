package io.amibake.bake;

import java.nio.file.Path;

/**
 * How one run of a bake ended.
 *
 * @param status  Spring Batch's status name: COMPLETED, FAILED, STOPPED
 * @param error   the failure's message, or null
 */
public record BakeResult(long executionId, String bakeId, String status, String imageId, Path manifest,
                         String error) {

    public boolean completed() {
        return "COMPLETED".equals(status);
    }
}
