package io.amibake.recipe;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One SSM Run Command the bake sends to the build instance, through the
 * {@code AWS-RunShellScript} document.
 *
 * @param key     stable and unique within a recipe, such as {@code provision:deploy-page}; names
 *                the checkpoint, so a resumed bake skips the commands that already succeeded
 * @param phase   {@code packages}, {@code provision} or {@code cleanup}
 * @param name    the step's name as the recipe gives it, or the phase's for generated commands
 * @param lines   the document's {@code commands} parameter, one shell line each
 * @param timeout the document's {@code executionTimeout}
 */
public record RemoteCommand(String key, String phase, String name, List<String> lines, Duration timeout) {

    public RemoteCommand {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(timeout, "timeout");
        lines = List.copyOf(lines);
    }

    /** The lines as one script, as the agent writes it to disk. */
    public String script() {
        return String.join("\n", lines) + "\n";
    }
}
