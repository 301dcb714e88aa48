package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.text.TerminalText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What the cloud prints reaches the terminal and the log with its control characters escaped. */
class TerminalEscapesTest {

    /** Sets the terminal's title, rings the bell and clears the screen, when printed raw. */
    private static final String HOSTILE = "\u001b]0;TITLE\u0007\u001b[2J\u009b31m";

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
    void aFailingCommandsOutputIsPrintedAndLoggedWithItsEscapesVisible() throws Exception {
        // given
        sandbox.faults().failCommand("curl -fsS http://localhost/", 7, "curl: failed " + HOSTILE);

        // when
        int bake = amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());
        int status = amibake("status", "--execution", "0", "--home", home.toString());

        // then
        assertThat(bake).as(err.toString()).isEqualTo(1);
        assertThat(status).as(err.toString()).isZero();
        String printed = out + "\n" + err;
        assertThat(TerminalText.firstControl(printed)).as(printed).isEqualTo(-1);
        assertThat(err.toString()).contains("curl: failed \\e]0;TITLE\\x07\\e[2J\\x9b31m");
        assertThat(out.toString()).contains("failure: provision: command 'check-page'");
        String log = Files.readString(home.resolve("logs/amibake.log"));
        assertThat(log).contains("\\e]0;TITLE").doesNotContain("\u001b").doesNotContain("\u0007");
    }

    @Test
    void escapesAreWrittenVisiblyAndLineEndsKept() {
        assertThat(TerminalText.safe("a\u001b[2Jb\r\nc\rd\te\u0000")).isEqualTo("a\\e[2Jb\nc\\rd\te\\x00");
        assertThat(TerminalText.safe("plain\nlines")).isEqualTo("plain\nlines");
    }
}
