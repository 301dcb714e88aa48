package io.amibake.engine.wait;

/** A wait whose subject reached a state it can never leave, such as an image that failed. */
public final class WaitFailedException extends RuntimeException {

    public WaitFailedException(String message) {
        super(message);
    }
}
