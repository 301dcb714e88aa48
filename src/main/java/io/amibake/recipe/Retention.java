package io.amibake.recipe;

import java.time.Duration;
import java.time.Instant;

/**
 * How many of a recipe's images stay in each region. The {@code keep} newest always stay; of
 * the older ones, those younger than {@code maxAge} stay too when it is given. Without a
 * retention section every image stays.
 *
 * @param keep   how many of the newest images stay in each region, at least 1
 * @param maxAge beyond the newest {@code keep}, images older than this go; {@code null} when
 *               every image beyond the newest {@code keep} goes
 * @param rollbackVersions how many versions just below each launch template's default keep the
 *               images they launch, so that a rollback finds its image; the default and latest
 *               versions always do
 */
public record Retention(int keep, Duration maxAge, int rollbackVersions) {

    /** With only {@code maxAge} given, the newest image still stays: retention never empties a region. */
    public static final int DEFAULT_KEEP = 1;
    /** One rollback: the version a template had before the last bake moved it. */
    public static final int DEFAULT_ROLLBACK_VERSIONS = 1;

    public Retention {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, was " + keep);
        }
        if (rollbackVersions < 0) {
            throw new IllegalArgumentException("rollbackVersions must be at least 0, was " + rollbackVersions);
        }
    }

    /** Keeps {@value #DEFAULT_ROLLBACK_VERSIONS} rollback version. */
    public Retention(int keep, Duration maxAge) {
        this(keep, maxAge, DEFAULT_ROLLBACK_VERSIONS);
    }

    /**
     * Whether an image at a given rank (0 for the newest) and creation time may go.
     */
    public boolean expires(int rank, Instant created, Instant now) {
        if (rank < keep) {
            return false;
        }
        // An image whose age is unknown is never old enough: retention only removes what it can date.
        return maxAge == null || created != null && created.plus(maxAge).isBefore(now);
    }

    /** Why an image at that rank stays, in words for {@code prune --dry-run}. */
    public String whyKept(int rank) {
        return rank < keep ? "among the newest " + keep : "younger than " + Durations.format(maxAge);
    }
}
