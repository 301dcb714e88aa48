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
        assertThat(err.toString()).startsWith("amibake: no bake 'httpd': no recipe of that name has bakes, and it is"
                + " no execution number or bake id in ").endsWith("there are no bakes yet (see 'amibake status')"
                + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void anUnknownExecutionIsNamed() {
        // when
        int exit = amibake("stop", "--execution", "9999", "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).startsWith("amibake: no bake '9999': no execution 9999, bake id or recipe of that"
                + " name in ").contains("there are no bakes yet");
    }

    @Test
    void aRecipeAndAnExecutionTogetherAreAUsageError() {
        // when
        int exit = amibake("stop", "httpd", "--execution", "1", "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("name the bake to stop: ");
    }

    @Test
    void itsHelpListsTheExitCodes() {
        // when
        int exit = amibake("stop", "--help");

        // then
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Exit codes:").contains("the bake does not run");
    }
}
