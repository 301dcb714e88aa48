package io.amibake.recipe;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recipe durations: a sequence of amounts with units {@code d}, {@code h}, {@code m},
 * {@code s} ({@code 90s}, {@code 10m}, {@code 1h30m}), or ISO-8601 ({@code PT1H30M}); and
 * durations written for people.
 */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(?:\\d+[dhms])+");
    private static final Pattern PART = Pattern.compile("(\\d+)([dhms])");

    private Durations() {
    }

    /**
     * Parses a recipe duration.
     *
     * @throws IllegalArgumentException when the text is neither form, or a number overflows
     */
    public static Duration parse(String text) {
        String trimmed = text.trim();
        if (SHORT.matcher(trimmed).matches()) {
            try {
                return sumOfParts(trimmed);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("duration too long: '" + text + "'", e);
            }
        }
        if (trimmed.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                return Duration.parse(trimmed);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not an ISO-8601 duration: '" + text + "'", e);
            }
        }
        throw new IllegalArgumentException("not a duration: '" + text + "'");
    }

    private static Duration sumOfParts(String text) {
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(text);
        while (part.find()) {
            long amount = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "d" -> Duration.ofDays(amount);
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofSeconds(amount);
            });
        }
        return total;
    }

    /** The short form that {@link #parse} reads back: {@code 1h30m}, {@code 45s}, {@code 0s}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long seconds = duration.getSeconds();
        long[] sizes = {86_400, 3_600, 60, 1};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (seconds >= sizes[i]) {
                out.append(seconds / sizes[i]).append(units[i]);
                seconds %= sizes[i];
            }
        }
        return out.toString();
    }

    /** A duration as people read it in progress lines: {@code 850ms}, {@code 12.4s}, {@code 3m05s}, {@code 1h02m}. */
    public static String human(Duration d) {
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format("%.1fs", millis / 1000.0);
        }
        long seconds = d.toSeconds();
        if (seconds < 3600) {
            return String.format("%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format("%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
    }
}
