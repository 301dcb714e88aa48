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
        subcommands = {ValidateCommand.class, PlanCommand.class, BakeCommand.class, ResumeCommand.class,
                StatusCommand.class, StopCommand.class, AbandonCommand.class, PruneCommand.class, SweepCommand.class,
                LogsCommand.class, ReportCommand.class, SchemaCommand.class, CompletionCommand.class,
                SandboxCommand.class, ScheduleCommand.class, ServeCommand.class, RepositoryServerCommand.class, CommandLine.HelpCommand.class})
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
        return configured(new CommandLine(new AmibakeCommand()));
    }

    /**
     * The command line that runs {@code args}: when they start with a subcommand's name, only
     * that subcommand is built, under a bare {@code amibake} root, because picocli builds the
     * model of every subcommand up front, which was a third of {@code validate}'s time. Help and
     * completion list the other commands, so they get the full command line, as does anything
     * else.
     */
    public static CommandLine commandLine(String... args) {
        if (args.length > 0) {
            for (Class<?> type : AmibakeCommand.class.getAnnotation(Command.class).subcommands()) {
                Command command = type.getAnnotation(Command.class);
                if (command.name().equals(args[0]) && type != CommandLine.HelpCommand.class
                        && type != CompletionCommand.class) {
                    CommandLine root = new CommandLine(CommandLine.Model.CommandSpec.create().name("amibake"));
                    root.addSubcommand(new CommandLine(type));
                    return configured(root);
                }
            }
        }
        return commandLine();
    }

    private static CommandLine configured(CommandLine cli) {
        cli.setUsageHelpAutoWidth(true)
                .setExitCodeExceptionMapper(e -> USAGE)
                .setExecutionExceptionHandler((e, failed, parsed) -> {
                    int code = Failures.report(e, failed.getErr());
                    if (code < 0) {
                        throw e;
                    }
                    return code;
                });
        for (String name : List.of("bake", "resume", "status", "abandon", "stop", "schedule", "serve")) {
            CommandLine command = cli.getSubcommands().get(name);
            if (command != null) {
                command.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(EXIT_CODES);
            }
        }
        CommandLine schedule = cli.getSubcommands().get("schedule");
        if (schedule != null) {
            schedule.getSubcommands().get("resume").getCommandSpec().usageMessage()
                    .exitCodeListHeading("%nExit codes:%n").exitCodeList(EXIT_CODES);
        }
        if (cli.getCommand() instanceof AmibakeCommand) {
            cli.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(EXIT_CODES);
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
