package io.amibake.engine.api;

/** There is no bake to resume: none failed or stopped, or a newer bake has completed since. */
public final class NothingToResumeException extends RuntimeException {

    public NothingToResumeException(String message) {
        super(message);
    }
}
