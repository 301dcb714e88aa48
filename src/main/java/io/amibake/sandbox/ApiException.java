package io.amibake.sandbox;

/** An error the sandbox answers the way the real service would: an error code, a message and an HTTP status. */
final class ApiException extends RuntimeException {

    private final String code;
    private final int status;

    ApiException(String code, String message) {
        this(code, message, statusOf(code));
    }

    ApiException(String code, String message, int status) {
        super(message);
        this.code = code;
        this.status = status;
    }

    String code() {
        return code;
    }

    int status() {
        return status;
    }

    /**
     * The HTTP status AWS sends with an error code: EC2's throttling and unavailability are 503,
     * its server-side and capacity errors 500, DryRun 412; everything else is a client error (400).
     */
    static int statusOf(String code) {
        return switch (code) {
            case "RequestLimitExceeded", "Unavailable", "ServiceUnavailable" -> 503;
            case "InternalError", "InternalServerError", "InsufficientInstanceCapacity",
                    "InsufficientHostCapacity", "InsufficientReservedInstanceCapacity",
                    "InsufficientAddressCapacity", "InsufficientCapacity" -> 500;
            case "DryRunOperation" -> 412;
            case "AuthFailure", "UnrecognizedClientException" -> 401;
            case "UnauthorizedOperation", "AccessDeniedException" -> 403;
            default -> 400;
        };
    }

    static ApiException invalidParameter(String message) {
        return new ApiException("InvalidParameterValue", message);
    }

    static ApiException missingParameter(String name) {
        return new ApiException("MissingParameter", "The request must contain the parameter " + name);
    }
}
