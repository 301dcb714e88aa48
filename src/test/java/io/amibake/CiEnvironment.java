package io.amibake;

/**
 * Whether the tests run under CI: {@code CI} set to anything but {@code false} or {@code 0}, as
 * CI services set it ({@code .ci/run} sets {@code CI=true}). There, a test that needs a tool the
 * machine lacks fails instead of skipping, so a run cannot pass with the tool missing.
 */
public final class CiEnvironment {

    private CiEnvironment() {
    }

    public static boolean isCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0");
    }
}
