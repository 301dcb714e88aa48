package io.amibake;

import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for tests that need a tool or a service: under CI they fail without it, elsewhere
 * they are skipped, saying what is missing. CI means the {@code CI} environment variable is set to
 * anything but {@code false} or {@code 0} (GitHub Actions, GitLab and {@code .ci/run} set
 * {@code CI=true}).
 */
public final class Ci {

    private Ci() {
    }

    /** Whether the tests run under CI. */
    public static boolean active() {
        return active(System.getenv("CI"));
    }

    /** Whether this value of {@code CI} means CI. */
    static boolean active(String value) {
        return value != null && !value.isBlank() && !value.strip().equalsIgnoreCase("false")
                && !value.strip().equals("0");
    }

    /**
     * Goes on when {@code present}; otherwise fails under CI and skips elsewhere, with
     * {@code missing}: what is missing and how to get it.
     */
    public static void require(boolean present, String missing) {
        if (present) {
            return;
        }
        if (active()) {
            throw new AssertionError("CI needs " + missing);
        }
        Assumptions.abort("skipped: no " + missing);
    }
}
