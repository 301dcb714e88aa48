package io.amibake.engine.api;

/**
 * A resume was asked for without the value of one of the bake's secret variables, which amibake
 * never stores, or with a {@code --var} that is not one of them: bad input, refused before any
 * cloud call.
 */
public final class SecretNeededException extends RuntimeException {

    public SecretNeededException(String message) {
        super(message);
    }
}
