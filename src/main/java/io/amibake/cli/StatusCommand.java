package io.amibake.cli;

import io.amibake.engine.read.BakeFailures;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.read.Manifest;
import io.amibake.recipe.Durations;
import io.amibake.engine.api.RegionDeployment;
import io.amibake.text.Redactor;
import io.amibake.text.TerminalText;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake status}: the bakes in the job repository, or one bake's steps. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show recent bakes (optionally of one recipe), or each step of one execution.")
final class StatusCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @Parameters(paramLabel = "RECIPE", arity = "0..1", description = "Only bakes of this recipe.")
    String recipe;

    @Option(names = "--execution", paramLabel = "ID", description = "Show each step of this execution.")
    Long execution;

    @Option(names = "--limit", defaultValue = "20", description = "How many bakes to list (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print one JSON document instead of a table, for scripts.")
    boolean json;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (BakeContext context = BakeContext.open(home.resolve())) {
            var runner = context.launcher();
            if (execution != null) {
                var found = runner.execution(execution);
                if (found.isEmpty()) {
                    spec.commandLine().getErr().println("amibake: no execution " + execution);
                    return AmibakeCommand.USAGE;
                }
                if (json) {
                    out.println(Manifest.toLine(StatusJson.execution(found.get(), runner.executionsOf(found.get()))));
                    out.flush();
                    return AmibakeCommand.OK;
                }
                printSteps(out, found.get(), runner.executionsOf(found.get()));
                return AmibakeCommand.OK;
            }
            List<JobExecution> bakes = runner.latestExecutions(recipe, limit);
            if (json) {
                out.println(Manifest.toLine(bakes.stream().map(StatusJson::bake).toList()));
                out.flush();
                return AmibakeCommand.OK;
            }
            out.printf("%-9s %-16s %-10s %-18s %-19s %-9s %s%n",
                    "EXECUTION", "RECIPE", "STATUS", "STEP", "STARTED", "DURATION", "IMAGE");
            for (JobExecution e : bakes) {
                BakeState state = BakeState.of(e);
                out.printf("%-9d %-16s %-10s %-18s %-19s %-9s %s%n", e.getId(),
                        e.getJobParameters().getString(BakeParameters.RECIPE), e.getStatus(), currentStep(e),
                        e.getStartTime() == null ? "-" : TIME.format(e.getStartTime()),
                        duration(e.getStartTime(), e.getEndTime()), state.imageId() == null ? "-" : state.imageId());
            }
            if (bakes.isEmpty()) {
                out.println("(no bakes" + (recipe == null ? "" : " of recipe '" + recipe + "'") + ")");
            }
            return AmibakeCommand.OK;
        }
    }

    private static void printSteps(PrintWriter out, JobExecution execution, List<JobExecution> all) {
        BakeState state = BakeState.of(execution);
        Redactor secrets = state.recipeYaml() == null ? Redactor.NONE : Redactor.of(state.recipe().secretValues());
        out.println("bake " + state.bakeId() + ", recipe " + state.recipeName() + ", image name "
                + secrets.redact(state.imageName()));
        List<StepExecution> steps = all.stream().flatMap(e -> e.getStepExecutions().stream())
                .sorted(Comparator.comparing(StepExecution::getId)).toList();
        // Wide enough for a region's partition: copyRegion:ap-southeast-2.
        int width = Math.max(18, steps.stream().mapToInt(s -> s.getStepName().length()).max().orElse(0));
        String row = "%-9s %-" + width + "s %-10s %-19s %s%n";
        out.printf(row, "EXECUTION", "STEP", "STATUS", "STARTED", "DURATION");
        steps.forEach(s -> out.printf(row, s.getJobExecutionId(), s.getStepName(), s.getStatus(),
                s.getStartTime() == null ? "-" : TIME.format(s.getStartTime()),
                duration(s.getStartTime(), s.getEndTime())));
        printRegions(out, StatusJson.regions(execution, all));
        String failure = BakeFailures.describe(execution);
        if (failure != null) {
            TerminalText.safe(failure).lines().forEach(line -> out.println("failure: " + line));
        }
    }

    /** Each region's image, and where the recipe tests or deploys there, what the bake did. */
    private static void printRegions(PrintWriter out, List<StatusJson.Region> regions) {
        if (regions.isEmpty()) {
            return;
        }
        boolean deploys = regions.stream().anyMatch(r -> r.deployment() != null);
        int template = Math.max("LAUNCH TEMPLATE".length(), regions.stream().map(StatusCommand::template)
                .mapToInt(String::length).max().orElse(0));
        String row = "%-14s %-11s %-21s" + (deploys ? " %-7s %-" + template + "s %s" : "");
        out.println();
        out.println(String.format(row, "REGION", "STATUS", "IMAGE", "TEST", "LAUNCH TEMPLATE", "INSTANCES").strip());
        for (StatusJson.Region r : regions) {
            RegionDeployment d = r.deployment();
            out.println(TerminalText.safe(String.format(row, r.region(), r.status(),
                    r.imageId() == null ? "-" : r.imageId(), d == null || d.test() == null ? "-" : d.test(),
                    template(r), instances(r)).strip()));
        }
    }

    private static String template(StatusJson.Region r) {
        String summary = r.deployment() == null ? null : r.deployment().templateSummary();
        return summary == null ? "-" : summary;
    }

    private static String instances(StatusJson.Region r) {
        String summary = r.deployment() == null ? null : r.deployment().instancesSummary();
        if (summary == null) {
            return "-";
        }
        return r.deployment().instances().outcome() == RegionDeployment.Outcome.OLD_KEPT
                ? summary + " (see failure)" : summary;
    }

    private static String currentStep(JobExecution e) {
        return e.getStepExecutions().stream().max(Comparator.comparing(StepExecution::getId))
                .map(StepExecution::getStepName).orElse("-");
    }

    private static String duration(LocalDateTime start, LocalDateTime end) {
        if (start == null) {
            return "-";
        }
        return Durations.human(Duration.between(start, end == null ? LocalDateTime.now() : end));
    }
}
