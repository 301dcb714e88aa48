package io.amibake.recipe;

/** What a failed bake does with its build instance. */
public enum OnFailure {
    /** Stop it and keep it for {@code amibake resume}; the default. */
    STOP,
    /** Terminate it; a resume launches a new one. */
    TERMINATE,
    /** Leave it running, for debugging. */
    KEEP
}
