package io.amibake.cli;

import io.amibake.recipe.RecipeSchema;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake schema}: the recipe format as a JSON Schema, for editors. */
@Command(name = "schema", mixinStandardHelpOptions = true,
        description = {"Print a JSON Schema (draft-07) of the recipe format.",
                "Save it, e.g. as amibake-recipe.schema.json, and start a recipe with the line "
                        + "'# yaml-language-server: $schema=amibake-recipe.schema.json' to get completion and "
                        + "checks in editors that use the YAML language server.",
                "Rules across keys and templates are checked by 'amibake validate' only."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:printed", "2:bad usage"})
final class SchemaCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(RecipeSchema.json());
        spec.commandLine().getOut().flush();
        return AmibakeCommand.OK;
    }
}
