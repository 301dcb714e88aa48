package io.amibake.cli;

import tools.jackson.databind.json.JsonMapper;

/** What {@code --json} prints: one JSON document on one line, for scripts and {@code jq}. */
final class Json {

    private static final JsonMapper LINE = JsonMapper.builder().build();

    private Json() {
    }

    static String line(Object value) {
        return LINE.writeValueAsString(value);
    }
}
