package io.amibake.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * How EC2's Describe calls narrow and page their answers, shared by every resource: lookups by id,
 * {@code Filter.N} with wildcards, and {@code MaxResults}/{@code NextToken} paging.
 */
final class Ec2Filters {

    static final Pattern IMAGE_ID = Pattern.compile("ami-[0-9a-f]{8}([0-9a-f]{9})?");
    static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8}([0-9a-f]{9})?");
    static final Pattern SNAPSHOT_ID = Pattern.compile("snap-[0-9a-f]{8}([0-9a-f]{9})?");

    private Ec2Filters() {
    }

    /** Resolves ids against the visible resources; unknown ids fail the whole call, as in EC2. */
    static <T> List<T> byIds(List<String> ids, List<T> visible, Function<T, String> id, Pattern format,
            String codePrefix, String noun) {
        Map<String, T> byId = new LinkedHashMap<>();
        visible.forEach(v -> byId.put(id.apply(v), v));
        List<String> missing = new ArrayList<>();
        List<T> found = new ArrayList<>();
        for (String wanted : ids) {
            if (!format.matcher(wanted).matches()) {
                String expecting = format.pattern().substring(0, format.pattern().indexOf('-') + 1);
                throw new ApiException(codePrefix + ".Malformed", "Invalid id: \"" + wanted + "\" (expecting \""
                        + expecting + "...\")");
            }
            T t = byId.get(wanted);
            if (t == null) {
                missing.add(wanted);
            } else if (!found.contains(t)) {
                found.add(t);
            }
        }
        if (!missing.isEmpty()) {
            String message = switch (codePrefix) {
                case "InvalidAMIID" -> "The image id '[" + String.join(", ", missing) + "]' does not exist";
                case "InvalidSnapshot" -> "The snapshot '" + String.join(", ", missing) + "' does not exist.";
                default -> missing.size() == 1 ? "The " + noun + " '" + missing.get(0) + "' does not exist"
                        : "The " + noun + "s '" + String.join(", ", missing) + "' do not exist";
            };
            throw new ApiException(codePrefix + ".NotFound", message);
        }
        return found;
    }

    static <T> void addTagFields(Map<String, Function<T, List<String>>> fields,
            Function<T, Map<String, String>> tags) {
        fields.put("tag-key", t -> List.copyOf(tags.apply(t).keySet()));
        fields.put("tag-value", t -> List.copyOf(tags.apply(t).values()));
    }

    /** Every filter must match (AND); within a filter any value may match (OR); values take * and ? wildcards. */
    static <T> boolean matches(T item, List<QueryParams> filters, Map<String, Function<T, List<String>>> fields) {
        for (QueryParams f : filters) {
            String name = f.get("Name");
            if (name == null) {
                throw ApiException.missingParameter("Filter.Name");
            }
            List<String> wanted = f.list("Value");
            List<String> actual;
            if (name.startsWith("tag:")) {
                Function<T, List<String>> keys = fields.get("tag-key");
                Function<T, List<String>> values = fields.get("tag-value");
                if (keys == null) {
                    throw ApiException.invalidParameter("The filter '" + name + "' is invalid");
                }
                String key = name.substring(4);
                List<String> k = keys.apply(item);
                List<String> v = values.apply(item);
                int index = k.indexOf(key);
                actual = index < 0 ? List.of() : List.of(v.get(index));
            } else {
                Function<T, List<String>> field = fields.get(name);
                if (field == null) {
                    throw ApiException.invalidParameter("The filter '" + name + "' is invalid");
                }
                actual = field.apply(item);
            }
            boolean any = wanted.stream().anyMatch(w -> actual.stream().anyMatch(a -> wildcard(w).matcher(a).matches()));
            if (!any) {
                return false;
            }
        }
        return true;
    }

    private static Pattern wildcard(String value) {
        StringBuilder regex = new StringBuilder();
        for (char c : value.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    static <T> List<T> page(List<T> all, QueryParams p) {
        int max = p.integer("MaxResults", Integer.MAX_VALUE);
        int from = offset(p);
        return all.subList(Math.min(from, all.size()), (int) Math.min(all.size(), (long) from + max));
    }

    static <T> void pageToken(List<T> all, QueryParams p, Xml xml) {
        int max = p.integer("MaxResults", Integer.MAX_VALUE);
        long next = (long) offset(p) + max;
        if (next < all.size()) {
            xml.el("nextToken", "sandbox-" + next);
        }
    }

    private static int offset(QueryParams p) {
        String token = p.get("NextToken");
        if (token == null || token.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(token.replace("sandbox-", ""));
        } catch (NumberFormatException e) {
            throw ApiException.invalidParameter("The nextToken '" + token + "' is invalid");
        }
    }
}
