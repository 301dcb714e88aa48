package io.amibake.cli;

import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.NothingToResumeException;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake bake RECIPE}: bakes an image from a recipe, from launch to manifest. */
@Command(name = "bake", mixinStandardHelpOptions = true,
        description = {"Bake an image from a recipe: launch, provision through SSM, clean, stop, create the image.",
                "A failed bake keeps its checkpoints: 'amibake resume' goes on from where it stopped.",
                "With --resume, one line for cron: resume the recipe's resumable bake if there is one, else start."})
final class BakeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RECIPE", description = "The recipe file.")
    Path recipeFile;

    @Option(names = "--var", paramLabel = "NAME=VALUE", description = "Override a recipe variable (repeatable).")
    List<String> vars = List.of();

    @Option(names = "--resume", description = {"Resume the recipe's latest failed or stopped bake if it has one"
            + " (and no newer bake completed since); otherwise start a new bake."})
    boolean resume;

    @Mixin
    OutputOptions output;

    @Mixin
    CloudOptions cloud;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Map<String, String> variables = parseVars(vars, err);
        if (variables == null) {
            return AmibakeCommand.USAGE;
        }
        Loaded loaded = load(recipeFile, variables, err);
        if (loaded == null) {
            return AmibakeCommand.USAGE;
        }
        BakeRequest request = new BakeRequest(loaded.yaml(), recipeFile.toString(), variables, loaded.recipe());
        String recipe = loaded.recipe().name();
        return BakeSession.run(home.resolve(), recipe, cloud, output.json, out, err, (launcher, target, chosen, events) -> {
            if (resume) {
                try {
                    long last = launcher.resumable(recipe).getId();
                    return launcher.resume(last, null, variables, target, output.manifest, events,
                            resumed -> ResumeCommand.announce(resumed, output.json, out));
                } catch (NothingToResumeException nothing) {
                    if (!output.json) {
                        out.println(nothing.getMessage() + "; starting a new bake");
                    }
                }
            }
            return launcher.start(request, target, output.manifest, events);
        });
    }

    record Loaded(String yaml, Recipe recipe) {
    }

    /** Reads and validates a recipe, printing the full report when it is wrong. */
    static Loaded load(Path file, Map<String, String> variables, java.io.PrintWriter err) {
        try {
            String yaml = RecipeLoader.readText(file);
            return new Loaded(yaml, RecipeLoader.parse(yaml, file.toString(), variables));
        } catch (RecipeException e) {
            err.println(e.report());
        }
        return null;
    }

    /** {@code NAME=VALUE} pairs, or null after printing what is wrong. */
    static Map<String, String> parseVars(List<String> vars, java.io.PrintWriter err) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String var : vars) {
            int eq = var.indexOf('=');
            if (eq <= 0) {
                err.println("amibake: --var '" + var + "' is not NAME=VALUE");
                return null;
            }
            parsed.put(var.substring(0, eq), var.substring(eq + 1));
        }
        return parsed;
    }
}
