package io.amibake.sandbox;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The form parameters of an EC2 Query request, with EC2's flattened lists: {@code InstanceId.1},
 * {@code Filter.1.Name}, {@code Filter.1.Value.1}, {@code TagSpecification.1.Tag.1.Key}.
 */
final class QueryParams {

    private final Map<String, String> values;

    QueryParams(Map<String, String> values) {
        this.values = values;
    }

    static QueryParams parse(String body) {
        Map<String, String> values = new TreeMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            values.put(key, value);
        }
        return new QueryParams(values);
    }

    String get(String key) {
        return values.get(key);
    }

    String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    String require(String key) {
        String value = values.get(key);
        if (value == null || value.isEmpty()) {
            throw ApiException.missingParameter(key);
        }
        return value;
    }

    boolean bool(String key) {
        return "true".equalsIgnoreCase(values.get(key));
    }

    Boolean boolOrNull(String key) {
        String value = values.get(key);
        return value == null ? null : Boolean.valueOf(value);
    }

    int integer(String key, int fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw ApiException.invalidParameter("Value (" + value + ") for parameter " + key + " is invalid.");
        }
    }

    /** The values of {@code prefix.1}, {@code prefix.2}, ... in index order. */
    List<String> list(String prefix) {
        List<String> list = new ArrayList<>();
        for (int i : indexes(prefix)) {
            String value = values.get(prefix + "." + i);
            if (value != null) {
                list.add(value);
            }
        }
        return list;
    }

    /** The structures {@code prefix.N.*}, each as its own view with {@code prefix.N.} stripped. */
    List<QueryParams> members(String prefix) {
        List<QueryParams> list = new ArrayList<>();
        for (int i : indexes(prefix)) {
            String start = prefix + "." + i + ".";
            Map<String, String> sub = new TreeMap<>();
            values.forEach((k, v) -> {
                if (k.startsWith(start)) {
                    sub.put(k.substring(start.length()), v);
                }
            });
            if (!sub.isEmpty()) {
                list.add(new QueryParams(sub));
            }
        }
        return list;
    }

    /** The structure {@code prefix.*} as its own view. */
    QueryParams struct(String prefix) {
        Map<String, String> sub = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix + ".")) {
                sub.put(k.substring(prefix.length() + 1), v);
            }
        });
        return new QueryParams(sub);
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    boolean hasAny(String prefix) {
        return values.keySet().stream().anyMatch(k -> k.equals(prefix) || k.startsWith(prefix + "."));
    }

    Map<String, String> asMap() {
        return values;
    }

    private TreeSet<Integer> indexes(String prefix) {
        TreeSet<Integer> indexes = new TreeSet<>();
        String start = prefix + ".";
        for (String k : values.keySet()) {
            if (k.startsWith(start)) {
                String rest = k.substring(start.length());
                int dot = rest.indexOf('.');
                String number = dot < 0 ? rest : rest.substring(0, dot);
                try {
                    indexes.add(Integer.parseInt(number));
                } catch (NumberFormatException ignored) {
                    // a nested name such as Prefix.Name belongs to a structure, not a list
                }
            }
        }
        return indexes;
    }
}
