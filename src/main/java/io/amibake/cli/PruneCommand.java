package io.amibake.cli;

import io.amibake.recipe.Suggestions;
import io.amibake.cloud.AwsCatalog;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.lifecycle.Pruner;
import io.amibake.lifecycle.RegionPlan;
import io.amibake.lifecycle.Verdict;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.Account;
import io.amibake.cloud.CredentialsException;
import io.amibake.text.Redactor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code amibake prune}: applies the recipes' retention now, in every region their images reach,
 * in the build account and in each account the recipe copies into, through the roles a bake uses.
 * Every recipe is read before any cloud call, so a bad one changes nothing.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Deregister the recipes' images that their retention no longer keeps, in every region,"
                + " and delete their snapshots.",
                "Only images tagged by amibake for the recipe are considered. An image stays when it is among"
                        + " the newest, named by the recipe's SSM parameter, used by an instance, protected from"
                        + " deregistration, or younger than the maximum age.",
                "A recipe with an aws role is pruned through that role; each account of its accounts list, in that"
                        + " account's regions, through the account's role. Their rows read ACCOUNT/REGION."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:a cloud call failed, or an account's role refused (the other accounts are"
                + " pruned): run it again, it finishes the job",
                "2:a recipe is not valid, or bad input; nothing was changed"})
final class PruneCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "Recipe files, or folders of recipes.")
    List<Path> paths;

    @Option(names = "--dry-run", description = "Print what would go and why each other image stays; change nothing.")
    boolean dryRun;

    @Mixin
    RecipeVariables variables;

    @Option(names = "--json", description = "Print one JSON array, one object per image or leftover snapshot, for scripts.")
    boolean json;

    @Option(names = "--region", paramLabel = "REGION",
            description = "Prune only this region of the recipes' regions; repeatable (default: all of them).")
    List<String> regions;

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
        for (String region : regions == null ? List.<String>of() : regions) {
            if (!AwsCatalog.regions().contains(region)) {
                err.println("amibake: --region " + region + ": unknown region"
                        + Suggestions.closest(region, AwsCatalog.regions()).map(c -> "; did you mean '" + c + "'?")
                        .orElse(""));
                return AmibakeCommand.USAGE;
            }
        }
        List<Recipe> recipes = variables.load(paths, err);
        if (recipes == null) {
            return AmibakeCommand.USAGE;
        }
        boolean incomplete = false;
        try (RoleClients reach = new RoleClients(cloud.settings(null))) {
            List<Object> lines = new ArrayList<>();
            for (Recipe recipe : recipes) {
                Redactor secrets = Redactor.of(recipe.secretValues());
                Consumer<String> progress = line -> {
                    if (!json) {
                        out.println("  " + secrets.redact(line));
                    }
                };
                // The build account through the recipe's role, each other account through its own, as a bake reaches them.
                List<RegionPlan> plans = new ArrayList<>(apply(reach.of(recipe.aws()), recipe,
                        within(Pruner.Scope.of(recipe)), progress));
                for (Account account : recipe.accounts()) {
                    Pruner.Scope there = within(Pruner.Scope.of(account));
                    if (there.regions().isEmpty()) {
                        continue;
                    }
                    try {
                        apply(reach.of(account.role()), recipe, there, line -> progress.accept(account.id() + ": " + line))
                                .forEach(plan -> plans.add(plan.in(account.id())));
                    } catch (CloudException | CredentialsException e) {
                        incomplete = true;
                        out.flush();
                        err.println("amibake: prune of " + recipe.name() + " in account " + account.id() + " stopped: "
                                + secrets.redact(Failures.why(e)) + "; the other accounts were pruned, run it again to finish");
                    }
                }
                if (json) {
                    lines.addAll((List<?>) secrets.redactDeep(json(recipe, plans)));
                    continue;
                }
                StringWriter text = new StringWriter();
                print(new PrintWriter(text), recipe, plans);
                out.print(secrets.redact(text.toString()));
            }
            if (json) {
                out.println(Json.line(lines));
                out.flush();
            }
        } catch (CloudException | CredentialsException e) {
            out.flush();
            err.println("amibake: prune stopped: " + recipes.stream()
                    .map(r -> Redactor.of(r.secretValues())).reduce(Redactor.NONE, Redactor::and).redact(Failures.why(e))
                    + "; run it again to finish, it redoes nothing that is done");
            return AmibakeCommand.FAILED;
        }
        out.flush();
        return incomplete ? AmibakeCommand.FAILED : AmibakeCommand.OK;
    }

    /** The scope in the regions {@code --region} names, or whole. */
    private Pruner.Scope within(Pruner.Scope scope) {
        return regions == null ? scope : scope.only(regions);
    }

    /** What retention decides in the scope, through these clients; removed unless a dry run. */
    private List<RegionPlan> apply(AwsClients clients, Recipe recipe, Pruner.Scope scope, Consumer<String> progress) {
        Pruner pruner = new Pruner(new Ec2Gateway(clients), new SsmGateway(clients), new LaunchTemplates(clients),
                Clock.systemUTC());
        return dryRun ? pruner.plan(recipe, scope) : pruner.prune(recipe, scope, progress);
    }

    private List<Map<String, Object>> json(Recipe recipe, List<RegionPlan> plans) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (RegionPlan plan : plans) {
            for (Verdict verdict : plan.verdicts()) {
                lines.add(line(recipe, plan.region(), verdict.goes(), "image", verdict.image().id(),
                        verdict.image().name(), verdict.reason()));
            }
            for (String snapshot : plan.leftoverSnapshots()) {
                lines.add(line(recipe, plan.region(), true, "snapshot", snapshot, null,
                        "snapshot left by an interrupted prune"));
            }
        }
        return lines;
    }

    private Map<String, Object> line(Recipe recipe, String region, boolean goes, String kind, String id, String name,
                                     String reason) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("recipe", recipe.name());
        line.put("region", region);
        line.put("action", goes ? (dryRun ? "go" : "gone") : "keep");
        line.put("kind", kind);
        line.put("id", id);
        line.put("name", name);
        line.put("reason", reason);
        return line;
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
