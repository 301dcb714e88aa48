package io.amibake.aws;

import io.amibake.text.TerminalText;

/** An AWS call that failed for good: the service's error code and message, or a local cause. */
public final class CloudException extends RuntimeException {

    private final String code;

    public CloudException(String code, String message, Throwable cause) {
        super(TerminalText.safe(message), cause);
        this.code = code;
    }

    public CloudException(String code, String message) {
        this(code, message, null);
    }

    /** The AWS error code, such as {@code InvalidAMIID.NotFound}, or a local code. */
    public String code() {
        return code;
    }

    public boolean isNotFound() {
        return code != null && (code.endsWith(".NotFound") || code.equals("InvalidInstanceId"));
    }
}
