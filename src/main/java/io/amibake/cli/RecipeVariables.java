package io.amibake.cli;

import io.amibake.recipe.Recipe;
import io.amibake.schedule.ScheduleVariables;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --var} and {@code --var-file} of a command that reads many recipes without baking them. */
final class RecipeVariables {

    @Option(names = "--var", paramLabel = "[RECIPE.]NAME=VALUE",
            description = "Override a variable the recipes declare (with RECIPE., one recipe's only).")
    List<String> vars = new ArrayList<>();

    @Option(names = "--var-file", paramLabel = "FILE", description = {"Variables, one [RECIPE.]NAME=VALUE a line"
            + " (# comments); --var wins. The command line shows in 'ps', a cron job's too: give secrets here.",
            "Secret values never appear in the output."})
    Path varFile;

    /**
     * Every recipe of the files and folders, each with the variables given for it; or null after
     * printing every problem, so that a bad recipe changes nothing.
     */
    List<Recipe> load(List<Path> paths, PrintWriter err) {
        ScheduleVariables given = GivenVariables.read(varFile, vars, err);
        if (given == null) {
            return null;
        }
        List<Recipe> recipes = new ArrayList<>();
        boolean valid = true;
        for (Path path : paths) {
            try {
                for (Path file : ValidateCommand.recipesIn(path)) {
                    Recipe recipe = GivenVariables.load(file, given, err);
                    valid &= recipe != null;
                    if (recipe != null) {
                        recipes.add(recipe);
                    }
                }
            } catch (IOException e) {
                err.println(path + ": cannot read this folder: " + e.getMessage());
                valid = false;
            }
        }
        return valid ? recipes : null;
    }
}
