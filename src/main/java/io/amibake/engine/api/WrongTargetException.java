package io.amibake.engine.api;

/**
 * A resume asked for from another cloud, other credentials or another account than the bake's
 * own target: refused before any call that could touch the bake's resources. Bad input (exit 2).
 */
public final class WrongTargetException extends RuntimeException {

    public WrongTargetException(String message) {
        super(message);
    }
}
