package io.amibake.cloud;

import io.amibake.text.TerminalText;

/**
 * An AWS call that failed for good: the service's error code, message, HTTP status and request
 * id, or a local cause. The message always names what is known, never just {@code null}.
 */
public final class CloudException extends RuntimeException {

    private final String code;
    private final int httpStatus;
    private final String requestId;

    public CloudException(String code, String message, Throwable cause) {
        this(code, message, 0, null, cause);
    }

    public CloudException(String code, String message) {
        this(code, message, null);
    }

    /** A service's answer: the message reads "MESSAGE (CODE, HTTP STATUS, request id ID)". */
    public CloudException(String code, String message, int httpStatus, String requestId, Throwable cause) {
        super(TerminalText.safe(describe(code, message, httpStatus, requestId)), cause);
        this.code = code;
        this.httpStatus = httpStatus;
        this.requestId = requestId;
    }

    private static String describe(String code, String message, int httpStatus, String requestId) {
        String text = message == null || message.isBlank() ? "no message" : message;
        if (httpStatus == 0) {
            return text;
        }
        return text + " (" + (code == null ? "no error code" : code) + ", HTTP " + httpStatus
                + (requestId == null ? "" : ", request id " + requestId) + ")";
    }

    /** The AWS error code, such as {@code InvalidAMIID.NotFound}, or a local code. */
    public String code() {
        return code;
    }

    /** The HTTP status of the service's answer, or 0 when there was none (an I/O error). */
    public int httpStatus() {
        return httpStatus;
    }

    /** The request id the service gave its answer, or null. */
    public String requestId() {
        return requestId;
    }

    /**
     * The service failed (HTTP 5xx): the call may or may not have taken effect, so a call that
     * creates something must look for it before it is sent again.
     */
    public boolean isServerError() {
        return httpStatus >= 500;
    }

    /** The call did not reach the service or its answer was lost: it may have taken effect. */
    public boolean isLostAnswer() {
        return httpStatus == 0 && "ClientError".equals(code);
    }

    /** The service refused the call for now (request rate); it took no effect. */
    public boolean isThrottling() {
        return code != null && (code.equals("RequestLimitExceeded") || code.startsWith("Throttling"));
    }

    public boolean isNotFound() {
        return code != null && (code.endsWith(".NotFound") || code.equals("InvalidInstanceId"));
    }
}
