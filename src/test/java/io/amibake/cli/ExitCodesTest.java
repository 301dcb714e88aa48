package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The commands that run a bake list the bake's exit codes in their help; the others their own (HelpConventionsTest). */
class ExitCodesTest {

    @ParameterizedTest
    @ValueSource(strings = {"bake", "resume"})
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
