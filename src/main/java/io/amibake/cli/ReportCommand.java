package io.amibake.cli;

import io.amibake.engine.store.CommandOutputs;
import io.amibake.engine.store.WaitHistory;
import io.amibake.report.BakeHistory;
import io.amibake.report.BakeHistoryReader;
import io.amibake.report.HtmlReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake report}: one bake as a self-contained HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write a bake's report: one HTML file that opens without network access.",
                "It shows the timeline of steps and region copies with expected and actual waits, each region's "
                        + "outcome, requests and retries, the recipe's recent bakes, and every command's output.",
                "Works for completed, failed and running bakes."})
final class ReportCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RECIPE", arity = "0..1",
            description = "The recipe whose newest bake to report on, or a bake id.")
    String recipe;

    @Option(names = "--execution", paramLabel = "ID", description = "Report on the bake of this execution.")
    Long execution;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to write it (default: HOME/reports/BAKE-ID.html, next to the recipe's other reports).")
    Path output;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((recipe == null) == (execution == null)) {
            err.println("amibake: name a recipe (or bake id) or --execution ID, one of the two");
            return AmibakeCommand.USAGE;
        }
        Path dir = home.resolve();
        try (BakeContext context = BakeContext.open(dir)) {
            var runner = context.launcher();
            Optional<JobExecution> found = execution != null ? runner.execution(execution)
                    : BakeFinder.find(runner, recipe);
            if (found.isEmpty()) {
                err.println("amibake: no bake " + (execution != null ? "with execution " + execution
                        : "of '" + recipe + "'") + "; see 'amibake status'");
                return AmibakeCommand.USAGE;
            }
            JobExecution latest = runner.executionsOf(found.get()).stream()
                    .max(java.util.Comparator.comparing(JobExecution::getId)).orElse(found.get());
            BakeHistoryReader reader = new BakeHistoryReader(context.bean(JobRepository.class),
                    context.bean(CommandOutputs.class), context.bean(WaitHistory.class));
            BakeHistory history = reader.read(latest, runner.latestExecutions(null, 200));
            Path file = output != null ? output
                    : dir.resolve("reports").resolve(HtmlReport.fileName(history.bakeId()));
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, HtmlReport.render(history, Instant.now()));
            out.println("report: " + file + " (bake " + history.bakeId() + ", " + history.status() + ")");
            out.flush();
            return AmibakeCommand.OK;
        }
    }
}
