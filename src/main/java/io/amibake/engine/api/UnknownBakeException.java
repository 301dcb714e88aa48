package io.amibake.engine.api;

/** A name that is no execution number, bake id or recipe with bakes: bad input. */
public class UnknownBakeException extends RuntimeException {

    public UnknownBakeException(String message) {
        super(message);
    }
}
