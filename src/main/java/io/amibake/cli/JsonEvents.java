package io.amibake.cli;

import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.read.Manifest;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One JSON object per line, for cron logs and log shippers. */
final class JsonEvents implements BakeEvents {

    private final PrintWriter out;

    JsonEvents(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void bakeStarted(long execution, String bakeId) {
        emit("bakeStarted", Map.of("execution", execution, "bake", bakeId));
    }

    @Override
    public void stepStarted(String step) {
        emit("stepStarted", Map.of("step", step));
    }

    @Override
    public void stepFinished(String step, String status, Duration took, String detail) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("step", step);
        fields.put("status", status);
        fields.put("millis", took.toMillis());
        if (detail != null) {
            fields.put("error", detail);
        }
        emit("stepFinished", fields);
    }

    @Override
    public void note(String step, String message) {
        emit("note", Map.of("step", step, "message", message));
    }

    @Override
    public void commandFinished(String step, String command, String status, int exitCode, String stdoutTail,
                                String stderrTail) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("step", step);
        fields.put("command", command);
        fields.put("status", status);
        fields.put("exitCode", exitCode);
        fields.put("stdoutTail", stdoutTail);
        fields.put("stderrTail", stderrTail);
        emit("commandFinished", fields);
    }

    @Override
    public void bakeFinished(long execution, String status, Map<String, Object> summary) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("execution", execution);
        fields.put("status", status);
        fields.putAll(summary);
        emit("bakeFinished", fields);
    }

    private synchronized void emit(String event, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("event", event);
        line.putAll(fields);
        out.println(Manifest.toLine(line));
        out.flush();
    }
}
