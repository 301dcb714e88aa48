package io.amibake.engine.api;

/** What the job repository says of a bake, as far as its leftovers are concerned. */
public enum BakeStatus {
    /** Running now: nothing of it is touched. */
    RUNNING,
    /** Failed or stopped: its instance and image are its checkpoints until they expire. */
    RESUMABLE,
    COMPLETED,
    ABANDONED,
    /** No record of it in this job repository. */
    UNKNOWN
}
