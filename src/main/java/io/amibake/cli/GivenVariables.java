package io.amibake.cli;

import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import io.amibake.schedule.ScheduleVariables;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The variables of {@code --var-file} and {@code --var} (which wins) for commands that read
 * recipes without baking them ({@code plan}, {@code prune}): the same file format as
 * {@code schedule --var-file}, one {@code NAME=VALUE} or {@code RECIPE.NAME=VALUE} a line, each
 * recipe getting those it declares.
 */
final class GivenVariables {

    private GivenVariables() {
    }

    /** The variables given, or null after printing what is wrong (never a value). */
    static ScheduleVariables read(Path varFile, List<String> vars, PrintWriter err) {
        try {
            return ScheduleVariables.of(varFile, vars, err::println);
        } catch (IllegalArgumentException e) {
            err.println("amibake: " + e.getMessage());
            return null;
        }
    }

    /** One recipe with the variables given for it, or null after printing what is wrong. */
    static Recipe load(Path file, Path varFile, List<String> vars, PrintWriter err) {
        ScheduleVariables given = read(varFile, vars, err);
        return given == null ? null : load(file, given, err);
    }

    static Recipe load(Path file, ScheduleVariables given, PrintWriter err) {
        try {
            String yaml = RecipeLoader.readText(file);
            return RecipeLoader.parse(yaml, file.toString(), given.forRecipe(yaml));
        } catch (RecipeException e) {
            err.println(e.report());
            return null;
        }
    }
}
