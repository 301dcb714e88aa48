package io.amibake.engine.api;

import java.time.Instant;

/**
 * What one command of a bake printed, as SSM returned it when the command ended, successful or
 * not: kept with the bake, its secret values redacted.
 *
 * @param key    the command's stable key in the bake's plan
 * @param status SSM's status: {@code Success}, {@code Failed}, {@code TimedOut}...
 */
public record CommandOutput(String bakeId, long execution, String step, String key, String name, String commandId,
                            String instanceId, String status, int exitCode, Instant finishedAt,
                            String stdout, String stderr) {

    public boolean succeeded() {
        return "Success".equals(status);
    }
}
