package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line that builds only the subcommand it runs answers exactly as the full one: same
 * help, same usage errors, same exit codes.
 */
class SingleCommandLineTest {

    @Test
    void everySubcommandsHelpIsTheSameWhenOnlyItIsBuilt() {
        for (Class<?> type : AmibakeCommand.class.getAnnotation(Command.class).subcommands()) {
            // given
            Command command = type.getAnnotation(Command.class);
            String name = command.name();
            if (command.hidden()) {
                continue; // not for people: started by amibake itself
            }

            // when
            Answer single = run(AmibakeCommand.commandLine(name, "--help"), name, "--help");
            Answer full = run(AmibakeCommand.commandLine(), name, "--help");

            // then
            assertThat(single).as(name).isEqualTo(full);
            assertThat(single.out()).as(name).contains("Usage: amibake " + name);
        }
    }

    @Test
    void aUsageErrorReadsAndExitsTheSame() {
        for (List<String> args : List.of(List.of("validate"), List.of("bake", "--no-such-option", "r.yaml"),
                List.of("status", "--json", "extra", "words"), List.of("validate", "--var"))) {
            // when
            String[] given = args.toArray(String[]::new);
            Answer single = run(AmibakeCommand.commandLine(given), given);
            Answer full = run(AmibakeCommand.commandLine(), given);

            // then
            assertThat(single).as(args.toString()).isEqualTo(full);
            assertThat(single.exit()).as(args.toString()).isEqualTo(AmibakeCommand.USAGE);
        }
    }

    @Test
    void onlyTheNamedSubcommandIsBuiltAndHelpAndCompletionGetEveryCommand() {
        // when
        CommandLine validate = AmibakeCommand.commandLine("validate", "recipes/");
        CommandLine help = AmibakeCommand.commandLine("help", "bake");
        CommandLine completion = AmibakeCommand.commandLine("completion");
        CommandLine unknown = AmibakeCommand.commandLine("bkae");

        // then
        assertThat(validate.getSubcommands().keySet()).containsExactly("validate");
        assertThat(help.getSubcommands()).containsKeys("bake", "validate", "help");
        assertThat(completion.getSubcommands()).containsKeys("bake", "validate", "completion");
        assertThat(unknown.getSubcommands()).containsKeys("bake", "validate");
    }

    private record Answer(int exit, String out, String err) {
    }

    private static Answer run(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = cli.setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Answer(exit, out.toString(), err.toString());
    }
}
