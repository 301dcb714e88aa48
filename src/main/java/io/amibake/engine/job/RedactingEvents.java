package io.amibake.engine.job;

import io.amibake.engine.api.BakeEvents;
import io.amibake.recipe.Recipe;
import io.amibake.text.Redactor;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The bake's events with the recipe's secret values redacted, for the console and {@code --json} alike. */
public record RedactingEvents(BakeEvents delegate, Redactor redactor) implements BakeEvents {

    /** The events as they are when the recipe has no secrets. */
    public static BakeEvents of(BakeEvents events, Recipe recipe) {
        return recipe.secrets().isEmpty() ? events : new RedactingEvents(events, Redactor.of(recipe.secretValues()));
    }

    @Override
    public void bakeStarted(long execution, String bakeId) {
        delegate.bakeStarted(execution, bakeId);
    }

    @Override
    public void stepStarted(String step) {
        delegate.stepStarted(step);
    }

    @Override
    public void stepFinished(String step, String status, Duration took, String detail) {
        delegate.stepFinished(step, status, took, redactor.redact(detail));
    }

    @Override
    public void note(String step, String message) {
        delegate.note(step, redactor.redact(message));
    }

    @Override
    public void commandFinished(String step, String command, String status, int exitCode, String stdoutTail,
                                String stderrTail) {
        delegate.commandFinished(step, command, status, exitCode, redactor.redact(stdoutTail),
                redactor.redact(stderrTail));
    }

    @Override
    public void bakeFinished(long execution, String status, Map<String, Object> summary) {
        Map<String, Object> redacted = new LinkedHashMap<>();
        summary.forEach((key, value) -> redacted.put(key, redactor.redactValue(value)));
        delegate.bakeFinished(execution, status, redacted);
    }
}
