package io.amibake.cloud;

/** No usable AWS credentials: an unknown profile, or none in the default chain. Bad input. */
public final class CredentialsException extends RuntimeException {

    CredentialsException(String message, Throwable cause) {
        super(message, cause);
    }
}
