package io.amibake.cli;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.lifecycle.Pruner;
import io.amibake.lifecycle.RegionPlan;
import io.amibake.lifecycle.Verdict;
import io.amibake.recipe.Recipe;
import io.amibake.schedule.ScheduleVariables;
import io.amibake.text.Redactor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code amibake prune}: applies the recipes' retention now, in every region their images reach.
 * Every recipe is read before any cloud call, so a bad one changes nothing.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Deregister the recipes' images that their retention no longer keeps, in every region,"
                + " and delete their snapshots.",
                "Only images tagged by amibake for the recipe are considered. An image stays when it is among"
                        + " the newest, named by the recipe's SSM parameter, used by an instance, protected from"
                        + " deregistration, or younger than the maximum age.",
                "Exit status: 0 done, 1 a cloud call failed (run it again: it finishes the job), 2 bad input."})
final class PruneCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "Recipe files, or folders of recipes.")
    List<Path> paths;

    @Option(names = "--dry-run", description = "Print what would go and why each other image stays; change nothing.")
    boolean dryRun;

    @Option(names = "--var", paramLabel = "[RECIPE.]NAME=VALUE",
            description = "Overrides a variable the recipes declare (with RECIPE., one recipe's only).")
    List<String> vars = new ArrayList<>();

    @Option(names = "--var-file", paramLabel = "FILE", description = {"Variables, one [RECIPE.]NAME=VALUE a line"
            + " (# comments); --var wins. The command line shows in 'ps', a cron job's too: give secrets here.",
            "Secret values never appear in the output."})
    Path varFile;

    @Mixin
    CloudOptions cloud;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (cloud.sandbox) {
            err.println("amibake: an in-process sandbox has no images to prune; use --endpoint-url");
            return AmibakeCommand.USAGE;
        }
        ScheduleVariables given = GivenVariables.read(varFile, vars, err);
        if (given == null) {
            return AmibakeCommand.USAGE;
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
        if (!valid) {
            return AmibakeCommand.USAGE;
        }
        try (AwsClients clients = new AwsClients(cloud.settings(null))) {
            Pruner pruner = new Pruner(new Ec2Gateway(clients), new SsmGateway(clients), new LaunchTemplates(clients),
                    Clock.systemUTC());
            for (Recipe recipe : recipes) {
                Redactor secrets = Redactor.of(recipe.secretValues());
                List<RegionPlan> plans = dryRun ? pruner.plan(recipe)
                        : pruner.prune(recipe, line -> out.println("  " + secrets.redact(line)));
                StringWriter text = new StringWriter();
                print(new PrintWriter(text), recipe, plans);
                out.print(secrets.redact(text.toString()));
            }
        } catch (CloudException e) {
            out.flush();
            err.println("amibake: prune stopped: " + e.code() + ": " + recipes.stream()
                    .map(r -> Redactor.of(r.secretValues())).reduce(Redactor.NONE, Redactor::and).redact(e.getMessage())
                    + "; run it again to finish, it redoes nothing that is done");
            return AmibakeCommand.FAILED;
        }
        return AmibakeCommand.OK;
    }

    private void print(PrintWriter out, Recipe recipe, List<RegionPlan> plans) {
        out.println(recipe.name() + (dryRun ? " (dry run: nothing changed)" : ""));
        for (RegionPlan plan : plans) {
            out.println("  " + plan.region() + ": " + plan.doomed().size() + (dryRun ? " would go" : " gone") + ", "
                    + (plan.verdicts().size() - plan.doomed().size()) + " kept");
            for (Verdict verdict : plan.verdicts()) {
                out.printf("    %-6s %-21s %-40s %s%n", verdict.goes() ? (dryRun ? "go" : "gone") : "keep",
                        verdict.image().id(), verdict.image().name(), verdict.reason());
            }
            for (String snapshot : plan.leftoverSnapshots()) {
                out.printf("    %-6s %-21s %s%n", dryRun ? "go" : "gone", snapshot,
                        "snapshot left by an interrupted prune");
            }
        }
        out.flush();
    }
}
