package io.amibake.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code amibake} command: it only dispatches to its subcommands. */
@Command(name = "amibake",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Bakes Amazon Machine Images from YAML recipes, resumable from the last checkpoint.",
        subcommands = {ValidateCommand.class, BakeCommand.class, ResumeCommand.class, StatusCommand.class,
                AbandonCommand.class, PruneCommand.class, SweepCommand.class, LogsCommand.class, ReportCommand.class,
                SchemaCommand.class, CompletionCommand.class, SandboxCommand.class, ScheduleCommand.class,
                CommandLine.HelpCommand.class})
public final class AmibakeCommand implements java.util.concurrent.Callable<Integer> {

    /** Exit code of a completed command. */
    public static final int OK = 0;
    /** Exit code of a bake that failed and can be resumed. */
    public static final int FAILED = 1;
    /** Exit code for bad input or usage; no cloud call was made. */
    public static final int USAGE = 2;
    /** Exit code when the recipe's bake runs elsewhere (lease or lock held), or the repository is unreachable. */
    public static final int BUSY = 3;
    /** Exit code when there is nothing to resume, or the bake to resume was superseded by a newer one. */
    public static final int NOTHING_TO_RESUME = 4;

    /** The exit codes, listed the same in the help of every command that runs or reads bakes. */
    static final Map<String, String> EXIT_CODES = exitCodes();

    private static Map<String, String> exitCodes() {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put(Integer.toString(OK), "completed");
        codes.put(Integer.toString(FAILED), "the bake failed or was stopped; 'amibake resume' goes on from its checkpoint");
        codes.put(Integer.toString(USAGE), "bad input or usage (recipe, options, settings, credentials); nothing ran");
        codes.put(Integer.toString(BUSY), "busy: the recipe's bake runs elsewhere (its lease or lock is held), or the"
                + " job repository is held or unreachable");
        codes.put(Integer.toString(NOTHING_TO_RESUME), "nothing to resume, or the bake was superseded by a newer"
                + " completed one");
        return codes;
    }

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** A command line for amibake whose usage errors exit with {@link #USAGE}. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new AmibakeCommand())
                .setUsageHelpAutoWidth(true)
                .setExitCodeExceptionMapper(e -> USAGE)
                .setExecutionExceptionHandler((e, failed, parsed) -> {
                    int code = Failures.report(e, failed.getErr());
                    if (code < 0) {
                        throw e;
                    }
                    return code;
                });
        for (CommandLine command : List.of(cli, cli.getSubcommands().get("bake"), cli.getSubcommands().get("resume"),
                cli.getSubcommands().get("status"), cli.getSubcommands().get("abandon"),
                cli.getSubcommands().get("schedule"), cli.getSubcommands().get("schedule").getSubcommands().get("resume"))) {
            command.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(EXIT_CODES);
        }
        return cli;
    }

    /** Without a command there is nothing to do: the usage, on stderr, and a usage error's exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }
}
