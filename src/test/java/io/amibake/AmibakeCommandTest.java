package io.amibake;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.cli.AmibakeCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AmibakeCommandTest {

    @Test
    void helpListsTheCommandAndExitsZero() {
        // given
        StringWriter out = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out));

        // when
        int exit = cli.execute("--help");

        // then
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Usage: amibake");
    }

    @Test
    void unknownOptionIsAUsageError() {
        // given
        CommandLine cli = AmibakeCommand.commandLine().setErr(new PrintWriter(new StringWriter()));

        // when
        int exit = cli.execute("--no-such-option");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
    }
}
