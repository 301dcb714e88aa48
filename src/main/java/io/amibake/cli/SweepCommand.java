package io.amibake.cli;

import io.amibake.cloud.AwsCatalog;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.lifecycle.Sweeper;
import io.amibake.cloud.CredentialsException;
import io.amibake.recipe.Account;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.Suggestions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.time.Clock;
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

/**
 * {@code amibake sweep}: removes what bakes left behind, found by amibake's tags in every region; given
 * recipes, in the accounts they copy into too, through each account's role.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Find everything that carries amibake's tags, in every enabled region, and remove what no bake"
                + " needs any more: build instances of bakes that completed, were abandoned, are unknown to the job"
                + " repository or are past their amibake:expires tag; images of abandoned bakes and failed images;"
                + " snapshots no image uses.",
                "Never touches a running bake, a resumable bake before it expires, a deployed instance, or an"
                        + " available image of a completed bake (retention decides those).",
                "Deployed instances (amibake:role=deploy) run until a later bake replaces them: to remove them,"
                        + " set deploy.instances.count to 0 and bake the recipe again.",
                "Given recipes, also sweeps each account of their accounts lists, in the regions they name there,"
                        + " through the account's role; those rows read ACCOUNT/REGION."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:a cloud call failed, or an account's role refused (the other accounts are"
                + " swept): run it again, it redoes nothing that is done",
                "2:bad input", "3:the job repository is held or unreachable"})
final class SweepCommand implements Callable<Integer> {

    @Parameters(arity = "0..*", paramLabel = "FILE|DIR",
            description = "Recipes, or folders of recipes, whose accounts lists name other accounts to sweep too.")
    List<Path> paths = List.of();

    @Mixin
    RecipeVariables variables;

    @Option(names = "--dry-run", description = "Print what would go and why the rest stays; change nothing.")
    boolean dryRun;

    @Option(names = "--region", paramLabel = "REGION",
            description = "Sweep only this region; repeatable (default: every region DescribeRegions lists).")
    List<String> regions;

    @Option(names = "--json", description = "Print one JSON array, one object per tagged resource, for scripts.")
    boolean json;

    @Mixin
    CloudOptions cloud;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (cloud.sandbox) {
            err.println("amibake: an in-process sandbox has nothing to sweep; use --endpoint-url");
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
        Map<String, Account> accounts = new LinkedHashMap<>();
        Map<String, Set<String>> accountRegions = new LinkedHashMap<>();
        for (Recipe recipe : recipes) {
            for (Account account : recipe.accounts()) {
                accounts.putIfAbsent(account.id(), account);
                accountRegions.computeIfAbsent(account.id(), id -> new LinkedHashSet<>()).addAll(account.regions()
                        .stream().filter(r -> regions == null || regions.contains(r)).toList());
            }
        }
        boolean incomplete = false;
        try (BakeContext context = BakeContext.open(home.resolve());
             RoleClients reach = new RoleClients(cloud.settings(null))) {
            AwsClients clients = reach.of(null);
            List<String> where = regions != null ? regions : new Ec2Gateway(clients).enabledRegions("us-east-1");
            int regionCount = where.size();
            List<Sweeper.Finding> findings = new ArrayList<>(sweep(clients, where, context));
            for (Account account : accounts.values()) {
                List<String> there = List.copyOf(accountRegions.get(account.id()));
                if (there.isEmpty()) {
                    continue;
                }
                try {
                    sweep(reach.of(account.role()), there, context).forEach(f -> findings.add(f.in(account.id())));
                    regionCount += there.size();
                } catch (CloudException | CredentialsException e) {
                    incomplete = true;
                    err.println("amibake: sweep of account " + account.id() + " stopped: "
                            + Failures.why(e)
                            + "; the other accounts were swept, run it again to finish");
                }
            }
            if (json) {
                out.println(Json.line(findings.stream().map(f -> {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("action", f.removes() ? (dryRun ? "go" : "gone") : "keep");
                    line.put("region", f.region());
                    line.put("kind", f.resource().kind());
                    line.put("id", f.resource().id());
                    line.put("bake", f.bake());
                    line.put("reason", f.reason());
                    return line;
                }).toList()));
                out.flush();
            } else {
                print(out, findings, regionCount);
            }
        } catch (CloudException e) {
            err.println("amibake: sweep stopped: " + Failures.why(e)
                    + "; run it again to finish, it redoes nothing that is done");
            return AmibakeCommand.FAILED;
        }
        return incomplete ? AmibakeCommand.FAILED : AmibakeCommand.OK;
    }

    /** The sweep of these regions through these clients, with the job repository's word on each bake. */
    private List<Sweeper.Finding> sweep(AwsClients clients, List<String> where, BakeContext context) {
        Sweeper sweeper = new Sweeper(new Ec2Gateway(clients), new SsmGateway(clients), new LaunchTemplates(clients),
                context.launcher()::status, Clock.systemUTC());
        return dryRun ? sweeper.plan(where) : sweeper.sweep(where, f -> { });
    }

    private void print(PrintWriter out, List<Sweeper.Finding> findings, int regionCount) {
        long going = findings.stream().filter(Sweeper.Finding::removes).count();
        out.println((dryRun ? "would remove " : "removed ") + going + " of " + findings.size()
                + " tagged resources in " + regionCount + " regions" + (dryRun ? " (dry run: nothing changed)" : ""));
        int width = findings.stream().mapToInt(f -> f.region().length()).max().orElse(0);
        for (Sweeper.Finding f : findings) {
            out.printf("  %-7s %-" + Math.max(14, width) + "s %-9s %-22s %-34s %s%n", f.removes() ? (dryRun ? "go" : "gone") : "keep",
                    f.region(), f.resource().kind(), f.resource().id(), f.bake(), f.reason());
        }
        out.flush();
    }
}
