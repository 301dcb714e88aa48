package io.amibake.bake;

import java.time.Instant;

/** Another process holds the recipe: its lease is live, or its lock on this host is held. */
public final class BakeBusyException extends RuntimeException {

    BakeBusyException(String recipe, BakeLeases.Lease holder) {
        super("another bake of recipe '" + recipe + "' is running"
                + (holder == null ? "" : " (" + holder.owner() + "; lease until "
                + Instant.ofEpochMilli(holder.expiresAt()) + ")")
                + "; see 'amibake status " + recipe + "'");
    }

    BakeBusyException(String recipe, String holder) {
        super("another bake of recipe '" + recipe + "' is running (" + holder + "); see 'amibake status "
                + recipe + "'");
    }
}
