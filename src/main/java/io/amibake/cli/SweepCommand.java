package io.amibake.cli;

import io.amibake.cloud.AwsCatalog;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.lifecycle.Sweeper;
import io.amibake.recipe.Suggestions;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake sweep}: removes what bakes left behind, found by amibake's tags in every region. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Find everything that carries amibake's tags, in every enabled region, and remove what no bake"
                + " needs any more: build instances of bakes that completed, were abandoned, are unknown to the job"
                + " repository or are past their amibake:expires tag; images of abandoned bakes and failed images;"
                + " snapshots no image uses.",
                "Never touches a running bake, a resumable bake before it expires, a deployed instance, or an"
                        + " available image of a completed bake (retention decides those).",
                "Deployed instances (amibake:role=deploy) run until a later bake replaces them: to remove them,"
                        + " set deploy.instances.count to 0 and bake the recipe again.",
                "Exit status: 0 done, 1 a cloud call failed (run it again), 2 bad input, 3 the job repository is busy."})
final class SweepCommand implements Callable<Integer> {

    @Option(names = "--dry-run", description = "Print what would go and why the rest stays; change nothing.")
    boolean dryRun;

    @Option(names = "--region", paramLabel = "REGION",
            description = "Sweep only this region; repeatable (default: every region DescribeRegions lists).")
    List<String> regions;

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
        try (BakeContext context = BakeContext.open(home.resolve());
             AwsClients clients = new AwsClients(cloud.settings(null))) {
            Ec2Gateway ec2 = new Ec2Gateway(clients);
            List<String> where = regions != null ? regions : ec2.enabledRegions("us-east-1");
            Sweeper sweeper = new Sweeper(ec2, new SsmGateway(clients), new LaunchTemplates(clients),
                    context.launcher()::status, Clock.systemUTC());
            List<Sweeper.Finding> findings = dryRun ? sweeper.plan(where) : sweeper.sweep(where, f -> { });
            print(out, findings, where.size());
        } catch (CloudException e) {
            err.println("amibake: sweep stopped: " + (e.code() == null ? "" : e.code() + ": ") + e.getMessage()
                    + "; run it again to finish, it redoes nothing that is done");
            return AmibakeCommand.FAILED;
        }
        return AmibakeCommand.OK;
    }

    private void print(PrintWriter out, List<Sweeper.Finding> findings, int regionCount) {
        long going = findings.stream().filter(Sweeper.Finding::removes).count();
        out.println((dryRun ? "would remove " : "removed ") + going + " of " + findings.size()
                + " tagged resources in " + regionCount + " regions" + (dryRun ? " (dry run: nothing changed)" : ""));
        for (Sweeper.Finding f : findings) {
            out.printf("  %-7s %-14s %-9s %-22s %-34s %s%n", f.removes() ? (dryRun ? "go" : "gone") : "keep",
                    f.region(), f.resource().kind(), f.resource().id(), f.bake(), f.reason());
        }
        out.flush();
    }
}
