package io.amibake.cli;

import java.nio.file.Path;
import java.util.List;

/** An edited recipe would change what the bake already did: bad input, reported conflict by conflict. */
final class EditedRecipeException extends RuntimeException {

    EditedRecipeException(List<String> conflicts, Path edited) {
        super("the edited recipe changes what the bake already did:\n"
                + String.join("\n", conflicts.stream().map(c -> "  - " + c).toList())
                + "\nstart a new bake instead: amibake bake " + edited);
    }

    /** One line that says what to type. */
    EditedRecipeException(String line) {
        super(line);
    }
}
