package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Every command that runs or reads bakes lists the same exit codes in its help. */
class ExitCodesTest {

    @ParameterizedTest
    @ValueSource(strings = {"bake", "resume", "status", "abandon"})
    void theHelpListsEveryExitCode(String command) {
        // given
        StringWriter out = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out));

        // when
        int exit = cli.execute(command, "--help");

        // then
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Exit codes:")
                .containsPattern("\\s0\\s+completed")
                .containsPattern("\\s1\\s+the bake failed or was stopped")
                .containsPattern("\\s2\\s+bad input or usage")
                .containsPattern("\\s3\\s+busy")
                .containsPattern("\\s4\\s+nothing to resume, or the bake was superseded");
    }
}
