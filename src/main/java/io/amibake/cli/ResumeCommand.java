package io.amibake.cli;

import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeRef;
import io.amibake.engine.api.NothingToResumeException;
import io.amibake.engine.api.SecretNeededException;
import io.amibake.engine.api.StoredRecipe;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake resume}: goes on with a failed or stopped bake from its last checkpoint. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = {"Resume a failed or stopped bake from its last checkpoint: a recipe's latest one, or the bake"
                + " named.",
                "The same instance, the same image, only the work not yet done: a failed command and "
                        + "the ones after it, the regions whose copy did not complete.",
                "When the recipe's file changed since the bake began, the edit is taken if it only changes what"
                        + " has not run yet (as the scheduler does); otherwise nothing runs and one line says what to"
                        + " type."})
final class ResumeCommand implements Callable<Integer> {

    /** The statuses of a bake that cannot resume: it is done with. */
    private static final Set<String> ENDED = Set.of("COMPLETED", "ABANDONED");

    @Parameters(paramLabel = BakeArgument.LABEL, arity = "0..1", description = {BakeArgument.HELP,
            "A recipe names its latest failed or stopped bake, unless a newer one completed since."})
    String bake;

    @Option(names = "--execution", paramLabel = BakeArgument.LABEL,
            description = "The same as the argument, for scripts written for earlier versions.")
    String execution;

    @Option(names = "--recipe", paramLabel = "FILE",
            description = "An edited recipe to resume with; only steps that have not completed may change.")
    Path edited;

    @Option(names = "--as-stored",
            description = "Resume with the recipe the bake stored, even when its file has changed since.")
    boolean asStored;

    @Option(names = "--var", paramLabel = "NAME=VALUE", description = {"The values of the bake's secret variables,"
            + " which amibake never stores (repeatable); with --recipe, the edited recipe's variables."})
    List<String> vars = List.of();

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
        if (cloud.sandbox) {
            err.println("amibake: an in-process sandbox dies with its process, so no bake can resume in a new one;"
                    + " run 'amibake sandbox' on its own and pass --endpoint-url to bake and resume");
            return AmibakeCommand.USAGE;
        }
        if ((bake == null) == (execution == null)) {
            err.println("amibake: name the bake to resume: " + BakeArgument.HELP);
            return AmibakeCommand.USAGE;
        }
        if (edited != null && asStored) {
            err.println("amibake: --recipe and --as-stored contradict each other; give one");
            return AmibakeCommand.USAGE;
        }
        Map<String, String> variables = BakeCommand.parseVars(vars, err);
        if (variables == null) {
            return AmibakeCommand.USAGE;
        }
        BakeCommand.Loaded replacement = null;
        if (edited != null) {
            replacement = BakeCommand.load(edited, variables, err);
            if (replacement == null) {
                return AmibakeCommand.USAGE;
            }
        }
        String name = execution != null ? execution : bake;
        String recipeName;
        try (BakeContext context = BakeContext.open(home.resolve())) {
            recipeName = BakeArgument.find(context.launcher(), name).recipe();
        }
        BakeCommand.Loaded change = replacement;
        return BakeSession.run(home.resolve(), recipeName, cloud, output.json, out, err,
                (launcher, target, chosen, events) -> {
            BakeRef last = chosen(launcher, name);
            if (ENDED.contains(last.status())) {
                throw new NothingToResumeException("nothing to resume: bake " + last.bakeId() + " (execution "
                        + last.execution() + ") is " + last.status());
            }
            BakeRequest request;
            if (change != null) {
                List<String> conflicts = launcher.conflicts(last.execution(), change.recipe(), variables);
                if (!conflicts.isEmpty()) {
                    throw new EditedRecipeException(conflicts, edited);
                }
                request = new BakeRequest(change.yaml(), edited.toString(), variables, change.recipe());
            } else {
                StoredRecipe stored = launcher.storedRecipe(last.execution()).orElse(null);
                onlySecrets(last, stored, variables);
                request = asStored || stored == null ? null : fileEdit(launcher, last, stored, variables, out);
            }
            return launcher.resume(last.execution(), request, variables, chosen, output.manifest, events,
                    resumed -> announce(resumed, output.json, out));
        });
    }

    /**
     * The bake a resume means: a recipe's latest resumable bake (unless a newer one completed since),
     * or exactly the bake named by its id or an execution number.
     */
    private static BakeRef chosen(BakeService bakes, String name) {
        BakeRef found = BakeArgument.find(bakes, name);
        boolean byRecipe = found.recipe().equals(BakeArgument.recipeName(name)) && !name.equals(found.bakeId());
        return byRecipe ? bakes.resumableBake(found.recipe()) : found;
    }

    /**
     * The edit of the recipe's file since the bake stored it, when there is one and it only changes
     * what has not run yet; null when the file is unchanged or gone.
     *
     * @throws EditedRecipeException in one line, when the edit changes what already ran or no longer loads
     */
    private BakeRequest fileEdit(BakeService bakes, BakeRef last, StoredRecipe stored, Map<String, String> secrets,
                                 PrintWriter out) {
        Path file = stored.file() == null ? null : Path.of(stored.file());
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        String yaml;
        Recipe recipe;
        Map<String, String> variables = new HashMap<>(stored.variables());
        variables.putAll(secrets);
        try {
            yaml = RecipeLoader.readText(file);
            if (yaml.equals(stored.yaml())) {
                return null;
            }
            recipe = RecipeLoader.parse(yaml, file.toString(), variables);
        } catch (RecipeException e) {
            throw new EditedRecipeException(file + " changed since bake " + last.bakeId() + " began and no longer"
                    + " loads (" + e.getMessage().lines().findFirst().orElse("") + "): fix it, or type 'amibake resume "
                    + last.bakeId() + " --as-stored' to resume with the recipe the bake stored");
        }
        List<String> conflicts = bakes.conflicts(last.execution(), recipe, secrets);
        if (!conflicts.isEmpty()) {
            throw new EditedRecipeException(file + " was edited where bake " + last.bakeId() + " already ran ("
                    + String.join("; ", conflicts) + "): type 'amibake bake " + file + "' to bake the edit anew, or"
                    + " 'amibake resume " + last.bakeId() + " --as-stored' to resume with the recipe the bake stored");
        }
        if (!output.json) {
            out.println("recipe " + file + " changed since bake " + last.bakeId() + " began, only in what has not"
                    + " run yet: resuming with the edit");
        }
        return new BakeRequest(yaml, file.toString(), variables, recipe);
    }

    /** Says which bake resumes, and against which target: its own. */
    static void announce(BakeRef last, boolean json, PrintWriter out) {
        if (json) {
            return;
        }
        out.println("resuming bake " + last.bakeId() + " (execution " + last.execution() + ", "
                + last.status() + ") against " + last.target());
    }

    /** Without --recipe, a --var can only give a secret again: the bake keeps its other variables. */
    private static void onlySecrets(BakeRef bake, StoredRecipe stored, Map<String, String> variables) {
        List<String> secretNames = stored == null ? List.of() : stored.secretNames();
        for (String name : variables.keySet()) {
            if (!secretNames.contains(name)) {
                throw new SecretNeededException("--var " + name + ": bake " + bake.bakeId() + " keeps its variables;"
                        + " only its secret ones are given again on resume"
                        + (secretNames.isEmpty() ? " (it has none)" : " (" + String.join(", ", secretNames) + ")")
                        + ". To change '" + name + "', resume with --recipe FILE --var " + name + "=VALUE");
            }
        }
    }
}
