package io.amibake.e2e;

import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One line of {@code amibake bake --json}: {@code stepStarted}, {@code stepFinished}, {@code note}
 * or {@code bakeFinished}; fields a kind of event lacks are null.
 */
record BakeEvent(String event, String step, String status, String message, String bake, String imageId,
                 Long execution) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The event on a line, or empty for a line that is not one (a child's stray output). */
    static Optional<BakeEvent> parse(String line) {
        if (!line.startsWith("{")) {
            return Optional.empty();
        }
        JsonNode node = JSON.readTree(line);
        JsonNode execution = node.get("execution");
        return Optional.of(new BakeEvent(text(node, "event"), text(node, "step"), text(node, "status"),
                text(node, "message"), text(node, "bake"), text(node, "imageId"),
                execution == null || execution.isNull() ? null : execution.asLong()));
    }

    static List<BakeEvent> all(List<String> lines) {
        return lines.stream().map(BakeEvent::parse).flatMap(Optional::stream).toList();
    }

    boolean is(String kind, String stepName) {
        return kind.equals(event) && stepName.equals(step);
    }

    boolean isNote(String stepName, String messagePrefix) {
        return is("note", stepName) && message != null && message.startsWith(messagePrefix);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }
}
