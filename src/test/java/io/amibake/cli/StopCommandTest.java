package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What {@code stop} says when there is nothing to stop: one line, exit 2. Stopping a bake that
 * runs in another process is {@code SharedRepositoryIT}'s.
 */
class StopCommandTest {

    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int amibake(String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void aRecipeWithNoRunningBakeHasNothingToStop() {
        // when
        int exit = amibake("stop", "httpd", "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).isEqualTo("amibake: no bake of recipe 'httpd' is running; nothing to stop"
                + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void anUnknownExecutionIsNamed() {
        // when
        int exit = amibake("stop", "--execution", "9999", "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).isEqualTo("amibake: no bake with execution 9999" + System.lineSeparator());
    }

    @Test
    void aRecipeAndAnExecutionTogetherAreAUsageError() {
        // when
        int exit = amibake("stop", "httpd", "--execution", "1", "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("name a recipe or give --execution ID, not both");
    }

    @Test
    void itsHelpListsTheExitCodes() {
        // when
        int exit = amibake("stop", "--help");

        // then
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Exit codes:").contains("busy: the recipe's bake runs elsewhere");
    }
}
