package io.amibake.cli;

import io.amibake.engine.api.CommandOutput;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.store.CommandOutputs;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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

/** {@code amibake logs}: what each provisioning command of a bake printed, as SSM returned it. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Print the output of a bake's commands, successful ones included.",
                "SSM returns at most 24,000 characters of standard output and 8,000 of standard error per "
                        + "command; that much is kept."})
final class LogsCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    @Parameters(paramLabel = "BAKE", description = "A bake id, an execution id, or a recipe name (its newest bake).")
    String bake;

    @Option(names = "--step", paramLabel = "STEP", description = "Only commands of this step (e.g. provision).")
    String step;

    @Option(names = "--command", paramLabel = "NAME", description = "Only the command of this name.")
    String command;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (BakeContext context = BakeContext.open(home.resolve())) {
            Optional<JobExecution> found = BakeFinder.find(context.launcher(), bake);
            if (found.isEmpty()) {
                err.println("amibake: no bake '" + bake + "'; see 'amibake status'");
                return AmibakeCommand.USAGE;
            }
            String bakeId = BakeState.of(found.get()).bakeId();
            List<CommandOutput> outputs = context.bean(CommandOutputs.class).of(bakeId).stream()
                    .filter(o -> step == null || step.equals(o.step()))
                    .filter(o -> command == null || command.equals(o.name()))
                    .toList();
            if (outputs.isEmpty()) {
                err.println("amibake: bake " + bakeId + " kept no command output"
                        + (step == null && command == null ? "" : " matching the filter")
                        + "; commands' output is kept when they end");
                return AmibakeCommand.FAILED;
            }
            for (CommandOutput o : outputs) {
                out.println("== " + o.step() + " / " + o.name() + ": " + o.status() + ", exit code " + o.exitCode()
                        + ", ended " + TIME.format(o.finishedAt()) + " (command " + o.commandId() + " on "
                        + o.instanceId() + ", execution " + o.execution() + ")");
                section(out, "stdout", o.stdout());
                section(out, "stderr", o.stderr());
            }
            out.flush();
            return AmibakeCommand.OK;
        }
    }

    private static void section(PrintWriter out, String name, String text) {
        if (text == null || text.isEmpty()) {
            out.println("-- " + name + ": (empty)");
            return;
        }
        out.println("-- " + name + ":");
        out.print(text);
        if (!text.endsWith("\n")) {
            out.println();
        }
    }
}
