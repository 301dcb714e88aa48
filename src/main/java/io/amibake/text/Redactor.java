package io.amibake.text;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Replaces the values of a recipe's secret variables with {@code [secret NAME]} in text that is
 * about to be printed or written: console lines, JSON events, error messages.
 */
public final class Redactor {

    /** Redacts nothing: a recipe without secrets. */
    public static final Redactor NONE = new Redactor(List.of());

    private final List<Map.Entry<String, String>> secrets;

    private Redactor(List<Map.Entry<String, String>> secrets) {
        this.secrets = secrets;
    }

    /** A redactor for these secret values by variable name; empty values are skipped. */
    public static Redactor of(Map<String, String> secrets) {
        // Longest first, so a secret that contains another is replaced whole.
        return new Redactor(secrets.entrySet().stream()
                .filter(e -> e.getValue() != null && !e.getValue().isEmpty())
                .sorted(Comparator.comparing((Map.Entry<String, String> e) -> e.getValue().length()).reversed())
                .map(e -> Map.entry(e.getKey(), e.getValue()))
                .toList());
    }

    /** The text with every secret value replaced; null stays null. */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (Map.Entry<String, String> secret : secrets) {
            out = out.replace(secret.getValue(), "[secret " + secret.getKey() + "]");
        }
        return out;
    }

    /** Both redactors' secrets at once: for text that may belong to either. */
    public Redactor and(Redactor other) {
        if (other.secrets.isEmpty()) {
            return this;
        }
        List<Map.Entry<String, String>> both = new java.util.ArrayList<>(secrets);
        both.addAll(other.secrets);
        both.sort(Comparator.comparing((Map.Entry<String, String> e) -> e.getValue().length()).reversed());
        return new Redactor(List.copyOf(both));
    }

    /** Whether there is nothing to redact. */
    public boolean isEmpty() {
        return secrets.isEmpty();
    }

    /**
     * The inverse of {@link #redact}: every {@code [secret NAME]} replaced by the value of NAME,
     * for text that was stored redacted and is needed whole again (an image name sent to AWS).
     */
    public String restore(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (Map.Entry<String, String> secret : secrets) {
            out = out.replace("[secret " + secret.getKey() + "]", secret.getValue());
        }
        return out;
    }

    /** Text redacted, in lists and maps too (their values), for a structure about to be printed as JSON. */
    public Object redactDeep(Object value) {
        if (value instanceof java.util.List<?> list) {
            return list.stream().map(this::redactDeep).toList();
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new java.util.LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(redactValue(k), redactDeep(v)));
            return copy;
        }
        return redactValue(value);
    }

    /** The value redacted when it is text, as it is otherwise. */
    public Object redactValue(Object value) {
        return value instanceof String text ? redact(text) : value;
    }
}
