package io.amibake.cli;

import io.amibake.engine.api.BakeDetail;
import io.amibake.engine.api.BakeSummary;
import io.amibake.report.BakePage;
import io.amibake.report.HtmlReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.springframework.batch.core.job.JobExecution;
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

    /** How many bakes of the recipe the history chart shows. */
    static final int HISTORY = 20;

    @Parameters(paramLabel = "RECIPE", arity = "0..1",
            description = "The recipe whose newest bake to report on, or a bake id.")
    String recipe;

    @Option(names = "--execution", paramLabel = "ID", description = "Report on the bake of this execution.")
    Long execution;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to write it (default: HOME/reports/BAKE-ID.html, next to the recipe's other reports;"
                    + " a folder gets BAKE-ID.html in it).")
    String output;

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
        if (output != null && output.isBlank()) {
            err.println("amibake: -o needs a file name, such as -o report.html");
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
            BakeDetail detail = runner.detail(found.get().getId()).orElseThrow();
            List<BakeSummary> history = runner.history(detail.recipe(), HISTORY);
            Path file = output == null ? dir.resolve("reports").resolve(BakePage.fileName(detail.bakeId()))
                    : Files.isDirectory(Path.of(output)) ? Path.of(output).resolve(BakePage.fileName(detail.bakeId()))
                    : Path.of(output);
            try {
                if (file.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                }
                Files.writeString(file, HtmlReport.render(new BakePage(detail, history, BakePage.FILES, Instant.now())));
            } catch (IOException e) {
                err.println("amibake: cannot write the report to " + file + " (" + reason(e) + "); give another"
                        + " file with -o");
                return AmibakeCommand.USAGE;
            }
            out.println("report: " + file + " (bake " + detail.bakeId() + ", " + detail.status() + ")");
            out.flush();
            return AmibakeCommand.OK;
        }
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
