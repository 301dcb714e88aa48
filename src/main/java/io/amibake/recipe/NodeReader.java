package io.amibake.recipe;

import io.amibake.cloud.AwsCatalog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads typed values out of composed YAML nodes for {@link RecipeReader}, recording a
 * {@link Problem} (with the node's line and column and the key path) for each value of the
 * wrong shape and returning {@code null} for it, so reading carries on and every problem is
 * reported at once.
 */
final class NodeReader {

    private static final Set<Tag> SCALAR_TAGS = Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.TIMESTAMP);

    private final String file;
    private final List<Problem> problems = new ArrayList<>();

    NodeReader(String file) {
        this.file = file;
    }

    /** The problems recorded so far, in the order found. */
    List<Problem> problems() {
        return problems;
    }

    Duration duration(Node node, String path, Duration max) {
        String text = string(node, path);
        if (text == null) {
            return null;
        }
        Duration duration;
        try {
            duration = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            problem(node, path, "expected a duration such as 90s, 10m or 1h30m, found '" + text + "'",
                    text.matches("\\d+") ? "add a unit: '" + text + "s' or '" + text + "m'" : null);
            return null;
        }
        if (duration.isNegative() || duration.isZero() || duration.getNano() != 0 || duration.compareTo(max) > 0) {
            problem(node, path, "expected a whole number of seconds between 1s and " + Durations.format(max)
                    + ", found '" + text + "'", null);
            return null;
        }
        return duration;
    }

    Integer integer(Node node, String path, int min, int max, String unit) {
        if (!standardTag(node, path)) {
            return null;
        }
        if (!(node instanceof ScalarNode scalar)) {
            problem(node, path, "expected a number of " + unit + ", found " + kind(node), null);
            return null;
        }
        String text = scalar.getValue();
        if (scalar.getTag().equals(Tag.INT) && text.matches("-\\d{1,9}|\\d{10,}")) {
            problem(node, path, "expected " + min + " to " + max + " " + unit + ", found " + text, null);
            return null;
        }
        if (!scalar.getTag().equals(Tag.INT) || !text.matches("\\d{1,9}")) {
            problem(node, path, "expected a whole number of " + unit + ", found " + kind(node) + " '" + text + "'",
                    scalar.getTag().equals(Tag.STR) && text.matches("\\d{1,9}") ? "remove the quotes" : null);
            return null;
        }
        int value = Integer.parseInt(text);
        if (value < min || value > max) {
            problem(node, path, "expected " + min + " to " + max + " " + unit + ", found " + value, null);
            return null;
        }
        return value;
    }

    Boolean bool(Node node, String path) {
        if (!standardTag(node, path)) {
            return null;
        }
        if (node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.BOOL)) {
            String value = scalar.getValue().toLowerCase(Locale.ROOT);
            return value.equals("true") || value.equals("yes") || value.equals("on");
        }
        problem(node, path, "expected true or false, found " + kind(node)
                + (node instanceof ScalarNode scalar ? " '" + scalar.getValue() + "'" : ""), null);
        return null;
    }

    String oneOf(Node node, String path, List<String> allowed) {
        String value = string(node, path);
        if (value != null && !allowed.contains(value)) {
            problem(node, path, "expected one of " + String.join(", ", allowed) + ", found '" + value + "'",
                    Suggestions.didYouMean(value, allowed));
            return null;
        }
        return value;
    }

    String matching(Node node, String path, Pattern pattern, String expected) {
        String value = string(node, path);
        return value == null ? null : matches(node, path, value, pattern, expected);
    }

    String matches(Node node, String path, String value, Pattern pattern, String expected) {
        if (!pattern.matcher(value).matches()) {
            problem(node, path, "expected " + expected + ", found '" + value + "'", null);
            return null;
        }
        return value;
    }

    String nonBlank(Node node, String path) {
        String value = string(node, path);
        if (value != null && value.isBlank()) {
            problem(node, path, "expected a non-empty string", null);
            return null;
        }
        return value;
    }

    <T> List<T> nonEmpty(Node node, String path, List<T> list, String expected) {
        if (list != null && list.isEmpty()) {
            problem(node, path, "expected " + expected, null);
            return null;
        }
        return list;
    }

    /** Checks one element of a list; returns it, or {@code null} after recording a problem. */
    @FunctionalInterface
    interface ElementRule {
        String check(Node node, String path, String value);
    }

    /** A list of strings, each checked by {@code rule}, duplicates reported. */
    List<String> uniqueStrings(Node node, String path, ElementRule rule) {
        List<Node> items = sequence(node, path);
        if (items == null) {
            return null;
        }
        List<String> values = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String at = path + "[" + i + "]";
            String value = string(items.get(i), at);
            if (value != null && seen.containsKey(value)) {
                problem(items.get(i), at, "duplicate '" + value + "' (first at line " + seen.get(value) + ")", null);
                value = null;
            } else if (value != null) {
                seen.put(value, line(items.get(i)));
                value = rule.check(items.get(i), at, value);
            }
            if (value == null) {
                ok = false;
            } else {
                values.add(value);
            }
        }
        return ok ? values : null;
    }

    List<Node> sequence(Node node, String path) {
        if (!standardTag(node, path)) {
            return null;
        }
        if (node instanceof SequenceNode sequence) {
            return sequence.getValue();
        }
        problem(node, path, "expected a list, found " + kind(node),
                node instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)
                        ? "write it as a list: [" + s.getValue() + "]" : null);
        return null;
    }

    String string(Node node, String path) {
        if (!standardTag(node, path)) {
            return null;
        }
        if (node instanceof ScalarNode scalar && !scalar.getTag().equals(Tag.NULL)) {
            return scalar.getValue();
        }
        problem(node, path, "expected a string, found " + kind(node),
                node instanceof ScalarNode ? "write '' for an empty string" : null);
        return null;
    }

    /** Tags beyond the core schema could name types; composed nodes never construct them, but say so. */
    boolean standardTag(Node node, String path) {
        Tag tag = node.getTag();
        boolean standard = node instanceof ScalarNode ? SCALAR_TAGS.contains(tag)
                : node instanceof SequenceNode ? tag.equals(Tag.SEQ) : tag.equals(Tag.MAP);
        if (!standard) {
            String name = tag.getValue().startsWith(Tag.PREFIX)
                    ? "!!" + tag.getValue().substring(Tag.PREFIX.length()) : tag.getValue();
            problem(node, path, "unsupported YAML tag '" + name + "'", "remove the tag");
        }
        return standard;
    }

    /** A mapping's entries by key, first occurrence kept, with the key nodes for locations. */
    static final class Fields {
        final Node node;
        final Map<String, Node> values = new LinkedHashMap<>();
        final Map<String, Node> keys = new LinkedHashMap<>();

        Fields(Node node) {
            this.node = node;
        }

        boolean has(String key) {
            return values.containsKey(key);
        }

        Node value(String key) {
            return values.get(key);
        }

        List<String> keyOrder() {
            return List.copyOf(keys.keySet());
        }
    }

    /**
     * Reads a mapping: reports duplicate keys, keys that are not strings, keys outside
     * {@code known} (any key is allowed when it is {@code null}) and missing {@code required}
     * keys. Returns {@code null} when the node is not a mapping.
     */
    Fields fields(Node node, String path, List<String> known, List<String> required) {
        if (!standardTag(node, path)) {
            return null;
        }
        if (!(node instanceof MappingNode mapping)) {
            problem(node, path, (path.isEmpty() ? "expected a mapping of recipe keys at the top level"
                    : "expected a mapping") + ", found " + kind(node), null);
            return null;
        }
        Fields fields = new Fields(node);
        Set<String> unknown = new HashSet<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode keyScalar) || keyScalar.getTag().equals(Tag.NULL)) {
                problem(keyNode, path, "expected a key name, found " + kind(keyNode), null);
                continue;
            }
            String key = keyScalar.getValue();
            String at = path.isEmpty() ? key : path + "." + key;
            if (keyScalar.getTag().equals(Tag.MERGE)) {
                problem(keyNode, at, "merge keys ('<<') are not supported", "write the keys out");
                continue;
            }
            if (fields.has(key) || unknown.contains(key)) {
                Node first = fields.has(key) ? fields.keys.get(key) : null;
                problem(keyNode, at, "duplicate key '" + key + "'"
                        + (first == null ? "" : " (first at line " + line(first) + ")"), null);
                continue;
            }
            if (known != null && !known.contains(key)) {
                unknown.add(key);
                problem(keyNode, at, "unknown key '" + key + "'", Suggestions.closest(key, known)
                        .map(k -> "did you mean '" + k + "'?")
                        .orElse("expected one of " + String.join(", ", known)));
                continue;
            }
            fields.values.put(key, tuple.getValueNode());
            fields.keys.put(key, keyNode);
        }
        for (String key : required) {
            if (!fields.has(key) && !unknown.isEmpty() && Suggestions.closest(key, unknown).isPresent()) {
                continue;
            }
            if (!fields.has(key)) {
                problem(node, path.isEmpty() ? key : path + "." + key, "missing required key '" + key + "'", null);
            }
        }
        return fields;
    }

    static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        Tag tag = node.getTag();
        if (tag.equals(Tag.NULL)) {
            return "nothing (null)";
        }
        if (tag.equals(Tag.BOOL)) {
            return "a boolean";
        }
        if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) {
            return "a number";
        }
        if (tag.equals(Tag.TIMESTAMP)) {
            return "a date";
        }
        return "a string";
    }

    static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    void problem(Node node, String path, String message, String suggestion) {
        Mark mark = node == null ? null : node.getStartMark();
        problems.add(new Problem(file, mark == null ? 1 : mark.getLine() + 1, mark == null ? 1 : mark.getColumn() + 1,
                path, message, suggestion));
    }

    /** The instance type if AWS has it, else a problem with the nearest name. */
    String knownInstanceType(Node node, String path) {
        String type = string(node, path);
        if (type != null && !AwsCatalog.instanceTypes().contains(type)) {
            problem(node, path, "unknown instance type '" + type + "'",
                    Suggestions.didYouMean(type, AwsCatalog.instanceTypes()));
            return null;
        }
        return type;
    }

    /** The region if AWS has it, else a problem with the nearest name. */
    String knownRegion(Node node, String path, String region) {
        if (AwsCatalog.regions().contains(region)) {
            return region;
        }
        problem(node, path, "unknown region '" + region + "'", Suggestions.didYouMean(region, AwsCatalog.regions()));
        return null;
    }
}
