package io.amibake.cli;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Ec2Preflight;
import io.amibake.cloud.KmsGateway;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.api.BakeSummary;
import io.amibake.engine.api.Target;
import io.amibake.lifecycle.Plan;
import io.amibake.lifecycle.Planner;
import io.amibake.recipe.Durations;
import io.amibake.recipe.Recipe;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.text.Redactor;
import io.amibake.text.TerminalText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
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
 * {@code amibake plan}: checks a recipe against the account and says what its bake would create and
 * how long it should take, creating nothing.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Check a recipe against the account before baking, and print what the bake would create in"
                + " each region and what earlier bakes of the recipe took.",
                "Resolves the source image, renders the image name and checks it is free in every region; checks that"
                        + " the regions are enabled, the instance type is offered in the source region, and the subnet,"
                        + " security groups (of the build, deployed and tested instances) and KMS keys exist; asks EC2"
                        + " with DryRun whether RunInstances (which also checks the instance profile) and each"
                        + " CopyImage would be allowed.",
                "Runs under the recipe's aws.roleArn when it names one. Each of the recipe's accounts is checked"
                        + " through its own role: the role can be assumed, its regions are enabled, the image name"
                        + " is free, its KMS keys exist, it may use the build's key, its SSM parameter is reachable.",
                "Only reads and dry-runs: nothing is created. Every problem is listed, not only the first. What"
                        + " no request can answer before the bake (CreateImage on a build instance that does not"
                        + " exist yet, SSM, the use of KMS keys) is listed as not checked, with the reason."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:all is well: the bake can start",
                "2:a problem in the recipe or the account (each is listed), or bad input; nothing was created"})
final class PlanCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RECIPE", description = "The recipe file.")
    Path file;

    @Option(names = "--var", paramLabel = "NAME=VALUE", description = "Override a variable the recipe declares.")
    List<String> vars = new ArrayList<>();

    @Option(names = "--var-file", paramLabel = "FILE", description = {"Variables, one NAME=VALUE a line (# comments);"
            + " --var wins. The command line shows in 'ps': give secrets here.",
            "Secret values never appear in the output."})
    Path varFile;

    @Option(names = "--json", description = "Print the plan as one JSON object.")
    boolean json;

    @Mixin
    CloudOptions cloud;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Recipe recipe = GivenVariables.load(file, varFile, vars, err);
        if (recipe == null) {
            return AmibakeCommand.USAGE;
        }
        Redactor secrets = Redactor.of(recipe.secretValues());
        try (Sandbox sandbox = cloud.sandbox
                ? Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(cloud.timeScale)) : null) {
            URI sandboxEndpoint = sandbox == null ? null : sandbox.endpoint();
            Plan plan;
            AwsSettings reach = cloud.settings(sandboxEndpoint);
            // The bake runs under the recipe's role, and each account's copy under that account's.
            try (AwsClients clients = new AwsClients(reach.assuming(RoleClients.settings(recipe.aws())))) {
                clients.checkCredentials();
                plan = new Planner(new Ec2Gateway(clients), new Ec2Preflight(clients), new SsmGateway(clients),
                        new KmsGateway(clients), new LaunchTemplates(clients), Clock.systemUTC(),
                        account -> new AwsClients(reach.assuming(RoleClients.settings(account.role())))).plan(recipe);
            }
            List<String> history;
            try {
                history = history(recipe, cloud.target(sandboxEndpoint).waitsKey());
            } catch (RepositoryBusyException e) {
                // A bake running in another process holds the embedded repository; the plan stands without history.
                history = List.of("earlier bakes could not be read: " + e.getMessage());
            }
            if (json) {
                out.println(Json.line(secrets.redactDeep(json(plan, history))));
            } else {
                StringWriter text = new StringWriter();
                print(new PrintWriter(text), plan, history, cloud.target(sandboxEndpoint).waitsKey());
                out.print(secrets.redact(text.toString()));
            }
            out.flush();
            return plan.ok() ? AmibakeCommand.OK : AmibakeCommand.USAGE;
        }
    }

    /** What earlier bakes of the recipe against the same target took, from the job repository. */
    private List<String> history(Recipe recipe, String target) {
        List<String> lines = new ArrayList<>();
        try (BakeContext context = BakeContext.open(home.resolve())) {
            List<Duration> took = new ArrayList<>();
            List<Long> requests = new ArrayList<>();
            for (BakeSummary bake : context.launcher().history(recipe.name(), 20)) {
                if (!bake.completed() || bake.took() == null || !target.equals(Target.parse(bake.target()).waitsKey())) {
                    continue;
                }
                took.add(bake.took());
                requests.add(bake.requests());
            }
            if (took.isEmpty()) {
                lines.add("no completed bake of " + recipe.name() + " against " + target
                        + " yet: its duration and request count are not known");
            } else {
                lines.add(took.size() + " completed bake" + (took.size() == 1 ? "" : "s") + " of " + recipe.name()
                        + " against " + target + ": took " + Durations.human(median(took)) + " (median), "
                        + median(requests) + " requests (median)");
            }
            List<String> waits = context.launcher().expectedWaits(recipe, target).stream()
                    .map(w -> w.what() + " " + Durations.human(w.duration())
                            + (w.trusted() ? "" : " (a guess from other waits)"))
                    .toList();
            if (!waits.isEmpty()) {
                lines.add("expected waits: " + String.join(", ", waits));
            }
        }
        return lines;
    }

    private static <T extends Comparable<T>> T median(List<T> values) {
        List<T> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private void print(PrintWriter out, Plan plan, List<String> history, String target) {
        out.println("plan of " + plan.recipe() + " (" + file + ") against " + target);
        out.println("  source image  " + (plan.sourceImage() == null ? "not resolved" : plan.sourceImage()));
        out.println("  image name    " + plan.imageName() + " (rendered now; the bake renders it when it starts)");
        out.println("checked");
        plan.checks().forEach(line -> out.println("  ok       " + TerminalText.safe(line)));
        if (!plan.problems().isEmpty()) {
            out.println("problems (" + plan.problems().size() + ")");
            plan.problems().forEach(line -> out.println("  problem  " + TerminalText.safe(line)));
        }
        out.println("not checked (nothing can answer before the bake)");
        plan.unchecked().forEach(line -> out.println("  -        " + TerminalText.safe(line)));
        out.println("the bake would create");
        plan.creates().forEach((region, things) -> {
            out.println("  " + region);
            things.forEach(thing -> out.println("    " + thing));
        });
        out.println("from earlier bakes");
        history.forEach(line -> out.println("  " + line));
        out.println(plan.ok() ? "nothing was created; the recipe is ready to bake"
                : "nothing was created; " + plan.problems().size() + " problem"
                        + (plan.problems().size() == 1 ? "" : "s") + " to fix before baking");
    }

    private static Map<String, Object> json(Plan plan, List<String> history) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("recipe", plan.recipe());
        root.put("ok", plan.ok());
        root.put("sourceImage", plan.sourceImage());
        root.put("imageName", plan.imageName());
        root.put("problems", plan.problems());
        root.put("checks", plan.checks());
        root.put("notChecked", plan.unchecked());
        root.put("creates", plan.creates());
        root.put("history", history);
        return root;
    }
}
