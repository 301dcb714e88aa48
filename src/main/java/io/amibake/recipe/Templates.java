package io.amibake.recipe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Renders naming templates: {@code {{recipe}}}, {@code {{os}}}, {@code {{date}}} (UTC,
 * {@code yyyy-MM-dd}), {@code {{date:PATTERN}}} (UTC, a {@link DateTimeFormatter} pattern),
 * {@code {{timestamp}}} (epoch seconds) and {@code {{var.NAME}}}. Spaces inside the braces
 * are ignored. Text outside placeholders is copied as is.
 */
public final class Templates {

    /** The placeholders a template may use, for suggestions; {@code date:} and {@code var.} take a suffix. */
    static final List<String> PLACEHOLDERS = List.of("recipe", "os", "date", "timestamp");

    /** What AWS allows in an image name: 3 to 128 of these characters (see docs/recipes.md). */
    static final Pattern AMI_NAME = Pattern.compile("[A-Za-z0-9()\\[\\]./\\-'@_ ]{3,128}");

    private static final DateTimeFormatter DEFAULT_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd");

    private Templates() {
    }

    /**
     * Renders {@code template} for {@code recipe} at {@code now}.
     *
     * @throws TemplateException (an {@link IllegalArgumentException}) on an unknown placeholder,
     *                           an undeclared variable, {@code {{os}}} without an {@code os},
     *                           a bad date pattern or unclosed braces
     */
    public static String render(String template, Recipe recipe, Instant now) {
        return render(template, recipe.name(), recipe.os(), recipe.variables(), now);
    }

    /** Renders with the parts of a recipe that templates see; the loader calls it before the recipe exists. */
    static String render(String template, String recipeName, String os, Map<String, String> variables, Instant now) {
        StringBuilder out = new StringBuilder(template.length() + 32);
        int at = 0;
        while (true) {
            int open = template.indexOf("{{", at);
            if (open < 0) {
                out.append(template, at, template.length());
                return out.toString();
            }
            int close = template.indexOf("}}", open + 2);
            if (close < 0) {
                throw new TemplateException("unclosed placeholder at '" + template.substring(open) + "'",
                        "close it with '}}'");
            }
            out.append(template, at, open);
            out.append(value(template.substring(open + 2, close).trim(), recipeName, os, variables, now));
            at = close + 2;
        }
    }

    private static String value(String placeholder, String recipeName, String os, Map<String, String> variables,
                                Instant now) {
        if (placeholder.equals("recipe")) {
            return recipeName;
        }
        if (placeholder.equals("os")) {
            if (os == null) {
                throw new TemplateException("{{os}} needs the recipe's top-level 'os' key", "add for example 'os: al2023'");
            }
            return os;
        }
        if (placeholder.equals("date")) {
            return now.atZone(ZoneOffset.UTC).format(DEFAULT_DATE);
        }
        if (placeholder.startsWith("date:")) {
            return formatDate(placeholder.substring("date:".length()), now);
        }
        if (placeholder.equals("timestamp")) {
            return Long.toString(now.getEpochSecond());
        }
        if (placeholder.startsWith("var.")) {
            String name = placeholder.substring("var.".length());
            String value = variables.get(name);
            if (value == null) {
                throw new TemplateException("unknown variable '" + name + "' in {{" + placeholder + "}}",
                        variables.isEmpty()
                                ? "declare it under 'variables'"
                                : Suggestions.closest(name, variables.keySet())
                                        .map(v -> "did you mean '{{var." + v + "}}'?")
                                        .orElse("declare it under 'variables'"));
            }
            return value;
        }
        throw new TemplateException("unknown placeholder '{{" + placeholder + "}}'",
                Suggestions.closest(placeholder, PLACEHOLDERS).map(p -> "did you mean '{{" + p + "}}'?")
                        .orElse("use one of {{recipe}}, {{os}}, {{date}}, {{date:PATTERN}}, {{timestamp}}, {{var.NAME}}"));
    }

    private static String formatDate(String pattern, Instant now) {
        if (pattern.isBlank()) {
            throw new TemplateException("empty date pattern in {{date:}}", "for example {{date:yyyyMMdd-HHmm}}");
        }
        try {
            return now.atZone(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern(pattern));
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new TemplateException("bad date pattern '" + pattern + "': " + e.getMessage(),
                    "see java.time.format.DateTimeFormatter, for example {{date:yyyyMMdd-HHmm}}");
        }
    }
}
