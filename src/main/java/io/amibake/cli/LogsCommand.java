package io.amibake.cli;

import io.amibake.engine.api.BakeDetail;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.CommandOutput;
import io.amibake.text.TerminalText;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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

/** {@code amibake logs}: what each provisioning and test command of a bake printed, as SSM returned it. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Print the output of a bake's commands and image tests, successful ones included.",
                "SSM returns at most 24,000 characters of standard output and 8,000 of standard error per "
                        + "command; that much is kept."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:printed", "1:the bake kept no command output matching the filters",
                "2:no bake matches the name, an unknown --step, or bad input",
                "3:the job repository is held or unreachable"})
final class LogsCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    @Parameters(paramLabel = BakeArgument.LABEL, arity = "0..1",
            description = BakeArgument.HELP + " Default: the newest bake.")
    String bake;

    @Option(names = "--step", paramLabel = "STEP",
            description = "Only commands of this step: installPackages, provision, cleanup or testImage.")
    String step;

    @Option(names = "--command", paramLabel = "NAME", description = "Only the command of this name.")
    String command;

    @Option(names = "--json", description = "Print one JSON array, one object per command, for scripts.")
    boolean json;

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (step != null && !CommandOutput.STEPS.contains(step)) {
            err.println("amibake: --step " + TerminalText.safe(step) + " keeps no command output; the steps that do: "
                    + String.join(", ", CommandOutput.STEPS));
            return AmibakeCommand.USAGE;
        }
        try (BakeContext context = BakeContext.open(home.resolve())) {
            BakeService bakes = context.launcher();
            BakeDetail detail = bakes.detail(BakeArgument.find(bakes, bake).execution()).orElseThrow();
            List<CommandOutput> outputs = detail.commands().stream()
                    .filter(o -> step == null || step.equals(o.step()))
                    .filter(o -> command == null || command.equals(o.name()))
                    .toList();
            if (json) {
                out.println(Json.line(outputs.stream().map(LogsCommand::json).toList()));
                out.flush();
                return outputs.isEmpty() ? AmibakeCommand.FAILED : AmibakeCommand.OK;
            }
            if (outputs.isEmpty()) {
                err.println("amibake: bake " + detail.bakeId() + " kept no command output"
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

    private static Map<String, Object> json(CommandOutput o) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bake", o.bakeId());
        json.put("execution", o.execution());
        json.put("step", o.step());
        json.put("command", o.name());
        json.put("status", o.status());
        json.put("exitCode", o.exitCode());
        json.put("ended", o.finishedAt().toString());
        json.put("commandId", o.commandId());
        json.put("instanceId", o.instanceId());
        json.put("stdout", o.stdout());
        json.put("stderr", o.stderr());
        return json;
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
