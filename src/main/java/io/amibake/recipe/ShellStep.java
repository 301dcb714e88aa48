package io.amibake.recipe;

import java.time.Duration;
import java.util.Objects;

/**
 * A named shell script run on the build instance through SSM Run Command.
 *
 * @param name    unique within its list; names the checkpoint
 * @param run     the script
 * @param timeout the longest it may run, or {@code null} for the default
 */
public record ShellStep(String name, String run, Duration timeout) {

    public ShellStep {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(run, "run");
    }
}
