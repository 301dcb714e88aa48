package io.amibake.engine.api;

/**
 * A recipe's lease on a target in the job repository, as stored: who runs the recipe's bake there now.
 *
 * @param target    the key of the bake's target ({@link Target#key()})
 * @param token     this holding's identity: a takeover gives the row a new one
 * @param startedAt epoch milliseconds of the wall clock when the holder took the lease
 * @param expiresAt epoch milliseconds after which another process may take the lease
 */
public record Lease(String target, String recipe, String token, String host, long pid, String bakeId, Long executionId,
                    long startedAt, long expiresAt) {

    /** The owner, as refusals name it. */
    public String owner() {
        return "host " + host + ", pid " + pid
                + (bakeId == null ? "" : ", bake " + bakeId)
                + (executionId == null ? "" : ", execution " + executionId);
    }
}
