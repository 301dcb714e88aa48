package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code abandon} says when there is nothing to abandon: one line, exit 2, no cloud call. */
class AbandonCommandTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int amibake(String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void aCompletedBakeHasNothingToAbandon() {
        // given
        assertThat(amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString())).as(err.toString()).isZero();
        Matcher found = Pattern.compile("\\(execution (\\d+)\\) COMPLETED").matcher(out.toString());
        assertThat(found.find()).as(out.toString()).isTrue();
        String execution = found.group(1);
        err.getBuffer().setLength(0);
        long before = sandbox.requests();

        // when
        int exit = amibake("abandon", "--execution", execution, "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).matches("amibake: bake httpd-\\S+ \\(execution " + execution
                + "\\) completed; nothing to abandon\\R");
        assertThat(sandbox.requests()).isEqualTo(before);
    }

    @Test
    void anUnknownExecutionIsNamed() {
        // when
        int exit = amibake("abandon", "--execution", "9999", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("amibake: no bake '9999': no execution 9999, bake id or recipe of that"
                + " name in ").contains("there are no bakes yet");
    }
}
