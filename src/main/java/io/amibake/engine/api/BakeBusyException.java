package io.amibake.engine.api;

import java.time.Instant;

/** Another process holds the recipe: its lease is live, or its lock on this host is held. */
public final class BakeBusyException extends RuntimeException {

    /** Refused by a live lease: its owner and when it expires, or a null owner when it is not known. */
    public BakeBusyException(String recipe, String owner, Instant leaseUntil) {
        super("another bake of recipe '" + recipe + "' is running"
                + (owner == null ? "" : " (" + owner + "; lease until " + leaseUntil + ")")
                + "; see 'amibake status " + recipe + "'");
    }

    /** Refused by the recipe's lock on this host, which names its holder. */
    public BakeBusyException(String recipe, String holder) {
        super("another bake of recipe '" + recipe + "' is running (" + holder + "); see 'amibake status "
                + recipe + "'");
    }
}
