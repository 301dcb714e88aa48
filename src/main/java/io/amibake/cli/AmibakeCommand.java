package io.amibake.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code amibake} command: it only dispatches to its subcommands. */
@Command(name = "amibake",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Bakes Amazon Machine Images from YAML recipes, resumable from the last checkpoint.",
        subcommands = {ValidateCommand.class, BakeCommand.class, ResumeCommand.class, StatusCommand.class,
                AbandonCommand.class, SandboxCommand.class, LogsCommand.class, ReportCommand.class, SchemaCommand.class,
                CompletionCommand.class,
                CommandLine.HelpCommand.class})
public final class AmibakeCommand implements java.util.concurrent.Callable<Integer> {

    /** Exit code of a completed command. */
    public static final int OK = 0;
    /** Exit code of a bake that failed and can be resumed. */
    public static final int FAILED = 1;
    /** Exit code for bad input or usage; no cloud call was made. */
    public static final int USAGE = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** A command line for amibake whose usage errors exit with {@link #USAGE}. */
    public static CommandLine commandLine() {
        return new CommandLine(new AmibakeCommand())
                .setUsageHelpAutoWidth(true)
                .setExitCodeExceptionMapper(e -> USAGE)
                .setExecutionExceptionHandler((e, cli, parsed) -> {
                    if (e instanceof RepositoryBusyException) {
                        cli.getErr().println("amibake: " + e.getMessage());
                        return BakeSession.BUSY;
                    }
                    throw e;
                });
    }

    /** Without a command there is nothing to do: the usage, on stderr, and a usage error's exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }
}
