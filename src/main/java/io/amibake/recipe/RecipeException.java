package io.amibake.recipe;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A recipe that cannot be used, with every problem found in one pass: the user fixes them all
 * at once instead of one per run.
 */
public final class RecipeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient List<Problem> problems;

    public RecipeException(List<Problem> problems) {
        super(summary(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a RecipeException needs at least one problem");
        }
        this.problems = problems.stream().sorted(Problem.IN_FILE_ORDER).toList();
    }

    /** The problems in file order. */
    public List<Problem> problems() {
        return problems;
    }

    /** The problems as text, one per line, in file order. */
    public String report() {
        return problems.stream().map(Problem::format).collect(Collectors.joining(System.lineSeparator()));
    }

    private static String summary(List<Problem> problems) {
        if (problems.isEmpty()) {
            return "no problems";
        }
        Problem first = problems.stream().sorted(Problem.IN_FILE_ORDER).findFirst().orElseThrow();
        return problems.size() == 1
                ? first.format()
                : first.format() + " (and " + (problems.size() - 1) + " more)";
    }
}
