package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sweep}'s input is checked before it asks the cloud anything. */
class SweepCommandTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    @Test
    void anUnknownRegionIsOneLineWithASuggestionAndNoCloudCall() {
        // given
        StringWriter err = new StringWriter();
        long before = sandbox.requests();

        // when
        int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(new StringWriter()))
                .setErr(new PrintWriter(err)).execute("sweep", "--region", "us-east-1", "--region", "xx-fake-1",
                        "--endpoint-url", sandbox.endpoint().toString(), "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .startsWith("amibake: --region xx-fake-1: unknown region");
        assertThat(sandbox.requests()).isEqualTo(before);
    }
}
