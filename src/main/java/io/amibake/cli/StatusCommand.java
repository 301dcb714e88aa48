package io.amibake.cli;

import io.amibake.engine.api.BakeDetail;
import io.amibake.engine.api.BakeLine;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeSummary;
import io.amibake.engine.api.BakeView;
import io.amibake.engine.api.RegionDeployment;
import io.amibake.engine.api.StepView;
import io.amibake.recipe.Durations;
import io.amibake.text.TerminalText;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake status}: the bakes in the job repository, or one bake's steps and regions. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show recent bakes, one line each (optionally of one recipe), or one bake's steps and regions.",
                "A bake is listed once, however many executions it took (its first and each resume): its latest"
                        + " execution's status and step, and the time all its executions took."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:shown", "2:no bake matches the name, or bad input",
                "3:the job repository is held or unreachable"})
final class StatusCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @Parameters(paramLabel = BakeArgument.LABEL, arity = "0..1",
            description = "A recipe's name lists its bakes; a bake id or execution number shows that bake's steps.")
    String name;

    @Option(names = "--execution", paramLabel = BakeArgument.LABEL,
            description = "Show each step of this bake: " + BakeArgument.HELP)
    String execution;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "How many bakes to list (default: ${DEFAULT-VALUE}).")
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
        if (name != null && execution != null) {
            spec.commandLine().getErr().println("amibake: name a bake or give --execution, not both");
            return AmibakeCommand.USAGE;
        }
        String recipe = name == null ? null : BakeArgument.recipeName(name);
        if (execution == null) {
            // A list answers without Spring; a name that lists nothing may name a bake, which the engine finds.
            Optional<List<BakeLine>> lines = BakeContext.lines(home.resolve(), recipe, limit);
            if (lines.isPresent() && (recipe == null || !lines.get().isEmpty())) {
                return printBakes(out, lines.get());
            }
        }
        try (BakeContext context = BakeContext.open(home.resolve())) {
            BakeService bakes = context.launcher();
            List<BakeLine> listed = execution != null ? List.of()
                    : bakes.history(recipe, limit).stream().map(BakeSummary::line).toList();
            if (execution != null || recipe != null && listed.isEmpty()) {
                long latest = BakeArgument.find(bakes, execution != null ? execution : name).execution();
                BakeView view = bakes.view(latest).orElseThrow();
                BakeDetail detail = bakes.detail(latest).orElseThrow();
                if (json) {
                    out.println(Json.line(StatusJson.bake(view, detail)));
                } else {
                    printSteps(out, view, detail);
                }
                out.flush();
                return AmibakeCommand.OK;
            }
            return printBakes(out, listed);
        }
    }

    private int printBakes(PrintWriter out, List<BakeLine> listed) {
        if (json) {
            out.println(Json.line(StatusJson.bakes(listed)));
            out.flush();
        } else {
            printTable(out, listed);
        }
        return AmibakeCommand.OK;
    }

    private static void printTable(PrintWriter out, List<BakeLine> bakes) {
        if (bakes.isEmpty()) {
            out.println("(no bakes yet)");
            return;
        }
        int width = Math.max(4, bakes.stream().mapToInt(b -> b.bakeId().length()).max().orElse(0));
        int step = Math.max(4, bakes.stream().mapToInt(b -> b.step() == null ? 1 : b.step().length()).max().orElse(0));
        String row = "%-9s %-" + width + "s %-10s %-" + step + "s %-19s %-10s %-10s %s";
        out.println(String.format(row, "EXECUTION", "BAKE", "STATUS", "STEP", "STARTED", "DURATION", "EXECUTIONS",
                "IMAGE"));
        for (BakeLine b : bakes) {
            out.println(TerminalText.safe(String.format(row, b.execution(), b.bakeId(), b.status(),
                    b.step() == null ? "-" : b.step(), b.started() == null ? "-" : TIME.format(b.started()),
                    b.took() != null ? Durations.human(b.took()) : since(b.started()), b.runs(),
                    b.imageId() == null ? "-" : b.imageId())));
        }
    }

    private static void printSteps(PrintWriter out, BakeView view, BakeDetail detail) {
        out.println(TerminalText.safe("bake " + detail.bakeId() + ", recipe " + detail.recipe() + ", image name "
                + view.imageName() + ", " + detail.status() + ", " + detail.runs().size() + " execution"
                + (detail.runs().size() == 1 ? "" : "s") + " took "
                + (detail.running() ? since(detail.started()) + " so far" : Durations.human(StatusJson.took(detail)))));
        List<StepView> steps = view.steps();
        // Wide enough for a region's partition: copyRegion:ap-southeast-2.
        int width = Math.max(18, steps.stream().mapToInt(s -> s.name().length()).max().orElse(0));
        String row = "%-9s %-" + width + "s %-10s %-19s %s%n";
        out.printf(row, "EXECUTION", "STEP", "STATUS", "STARTED", "DURATION");
        steps.forEach(s -> out.printf(row, s.execution(), s.name(), s.status(),
                s.started() == null ? "-" : TIME.format(StatusJson.instant(s.started())),
                s.took() != null ? Durations.human(s.took()) : since(StatusJson.instant(s.started()))));
        printRegions(out, detail.regions());
        if (detail.failure() != null) {
            TerminalText.safe(detail.failure()).lines().forEach(line -> out.println("failure: " + line));
        }
    }

    /** Each region's image, and where the recipe tests or deploys there, what the bake did. */
    private static void printRegions(PrintWriter out, List<BakeDetail.Region> regions) {
        if (regions.isEmpty()) {
            return;
        }
        boolean deploys = regions.stream().anyMatch(r -> r.deployment() != null);
        int template = Math.max("LAUNCH TEMPLATE".length(), regions.stream().map(StatusCommand::template)
                .mapToInt(String::length).max().orElse(0));
        // Wide enough for another account's region: 222222222222/ap-southeast-2.
        int region = Math.max(14, regions.stream().mapToInt(r -> r.region().length()).max().orElse(0));
        String row = "%-" + region + "s %-11s %-21s" + (deploys ? " %-7s %-" + template + "s %s" : "");
        out.println();
        out.println(String.format(row, "REGION", "STATUS", "IMAGE", "TEST", "LAUNCH TEMPLATE", "INSTANCES").strip());
        for (BakeDetail.Region r : regions) {
            RegionDeployment d = r.deployment();
            out.println(TerminalText.safe(String.format(row, r.region(), r.status(),
                    r.imageId() == null ? "-" : r.imageId(), d == null || d.test() == null ? "-" : d.test(),
                    template(r), instances(r)).strip()));
        }
    }

    private static String template(BakeDetail.Region r) {
        String summary = r.deployment() == null ? null : r.deployment().templateSummary();
        return summary == null ? "-" : summary;
    }

    private static String instances(BakeDetail.Region r) {
        String summary = r.deployment() == null ? null : r.deployment().instancesSummary();
        if (summary == null) {
            return "-";
        }
        return r.deployment().instances().outcome() == RegionDeployment.Outcome.OLD_KEPT
                ? summary + " (see failure)" : summary;
    }

    private static String since(Instant start) {
        return start == null ? "-" : Durations.human(Duration.between(start, Instant.now()));
    }
}
