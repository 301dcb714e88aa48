package io.amibake.recipe;

import java.util.Comparator;
import java.util.Objects;

/**
 * One thing wrong with a recipe, located precisely enough to fix it without searching.
 *
 * @param file       the recipe file as the user named it
 * @param line       1-based line, or 0 when the problem concerns the file as a whole
 * @param column     1-based column, or 0 when the problem concerns the file as a whole
 * @param path       the key path, such as {@code regions.targets[1]}; empty for the whole document
 * @param message    what is wrong, naming what was expected
 * @param suggestion how to fix it, such as {@code did you mean 'us-east-1'?}, or {@code null}
 */
public record Problem(String file, int line, int column, String path, String message, String suggestion) {

    /** Orders problems as they appear in the file, so a report reads top to bottom. */
    public static final Comparator<Problem> IN_FILE_ORDER = Comparator.comparing(Problem::file)
            .thenComparingInt(Problem::line)
            .thenComparingInt(Problem::column)
            .thenComparing(Problem::path)
            .thenComparing(Problem::message);

    public Problem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
        path = path == null ? "" : path;
    }

    /** One line: {@code file:line:column: path: message; suggestion}. */
    public String format() {
        StringBuilder text = new StringBuilder(file);
        if (line > 0) {
            text.append(':').append(line).append(':').append(column);
        }
        text.append(": ");
        if (!path.isEmpty()) {
            text.append(path).append(": ");
        }
        text.append(message);
        if (suggestion != null) {
            text.append("; ").append(suggestion);
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
