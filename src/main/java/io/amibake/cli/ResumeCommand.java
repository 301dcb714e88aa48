package io.amibake.cli;

import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.api.NothingToResumeException;
import java.io.PrintWriter;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RecipeChanges;
import io.amibake.engine.api.SecretNeededException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.batch.core.job.JobExecution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake resume}: goes on with a failed or stopped bake from its last checkpoint. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = {"Resume the latest failed or stopped bake of a recipe from its last checkpoint.",
                "The same instance, the same image, only the work not yet done: a failed command and "
                        + "the ones after it, the regions whose copy did not complete."})
final class ResumeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RECIPE", arity = "0..1",
            description = "The recipe's name, or its file.")
    String recipe;

    @Option(names = "--execution", paramLabel = "ID", description = "Resume this execution's bake.")
    Long execution;

    @Option(names = "--recipe", paramLabel = "FILE",
            description = "An edited recipe to resume with; only steps that have not completed may change.")
    Path edited;

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
        if (recipe == null && execution == null) {
            err.println("amibake: name a recipe or give --execution ID");
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
        if (recipe != null && Files.isRegularFile(Path.of(recipe))
                && BakeCommand.load(Path.of(recipe), variables, err) == null) {
            return AmibakeCommand.USAGE;
        }
        String recipeName = recipeName(variables);
        if (recipeName == null) {
            err.println("amibake: no bake with execution id " + execution);
            return AmibakeCommand.USAGE;
        }
        BakeCommand.Loaded change = replacement;
        return BakeSession.run(home.resolve(), recipeName, cloud, output.json, out, err,
                (launcher, target, chosen, events) -> {
            JobExecution last = execution != null ? launcher.execution(execution).orElse(null)
                    : launcher.resumable(recipeName);
            if (last == null || !BakeService.resumable(last)) {
                throw new NothingToResumeException("nothing to resume for execution " + execution
                        + (last == null ? "" : " (it is " + last.getStatus() + ")"));
            }
            BakeRequest request = null;
            if (change != null) {
                List<String> conflicts = RecipeChanges.conflicts(BakeState.of(last).withSecrets(variables),
                        change.recipe());
                if (!conflicts.isEmpty()) {
                    throw new EditedRecipeException(conflicts, edited);
                }
                request = new BakeRequest(change.yaml(), edited.toString(), variables, change.recipe());
            } else {
                onlySecrets(BakeState.of(last), variables);
            }
            return launcher.resume(last.getId(), request, variables, chosen, output.manifest, events,
                    resumed -> announce(resumed, output.json, out));
        });
    }

    /** Says which bake resumes, and against which target: its own. */
    static void announce(JobExecution last, boolean json, PrintWriter out) {
        if (json) {
            return;
        }
        out.println("resuming bake " + BakeState.of(last).bakeId() + " (execution " + last.getId() + ", "
                + last.getStatus() + ") against " + Target.parse(last.getJobParameters().getString(BakeParameters.TARGET)));
    }

    /** Without --recipe, a --var can only give a secret again: the bake keeps its other variables. */
    private static void onlySecrets(BakeState bake, Map<String, String> variables) {
        for (String name : variables.keySet()) {
            if (!bake.secretNames().contains(name)) {
                throw new SecretNeededException("--var " + name + ": bake " + bake.bakeId() + " keeps its variables;"
                        + " only its secret ones are given again on resume"
                        + (bake.secretNames().isEmpty() ? " (it has none)" : " (" + String.join(", ", bake.secretNames()) + ")")
                        + ". To change '" + name + "', resume with --recipe FILE --var " + name + "=VALUE");
            }
        }
    }

    private String recipeName(Map<String, String> variables) {
        if (recipe != null) {
            Path file = Path.of(recipe);
            if (Files.isRegularFile(file)) {
                BakeCommand.Loaded loaded = BakeCommand.load(file, variables, spec.commandLine().getErr());
                return loaded == null ? recipe : loaded.recipe().name();
            }
            return recipe;
        }
        try (BakeContext context = BakeContext.open(home.resolve())) {
            return context.launcher().execution(execution)
                    .map(e -> e.getJobParameters().getString(BakeParameters.RECIPE))
                    .orElse(null);
        }
    }
}
