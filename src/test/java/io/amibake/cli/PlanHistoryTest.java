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

/** What {@code plan} says about duration and requests once the recipe has been baked against the same target. */
class PlanHistoryTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private int amibake(StringWriter out, String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out))
                .setErr(new PrintWriter(new StringWriter()));
        return cli.execute(args);
    }

    @Test
    void afterACompletedBakeThePlanGivesItsDurationRequestsAndExpectedWaits() {
        // given
        String endpoint = sandbox.endpoint().toString();
        assertThat(amibake(new StringWriter(), "bake", "recipes/httpd.yaml", "--endpoint-url", endpoint,
                "--home", home.toString())).isZero();
        StringWriter out = new StringWriter();

        // when
        int exit = amibake(out, "plan", "recipes/httpd.yaml", "--endpoint-url", endpoint, "--home", home.toString());

        // then
        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString())
                .containsPattern("1 completed bake of httpd against " + endpoint
                        + ": took [0-9.hms ]+ \\(median\\), [1-9][0-9]* requests \\(median\\)")
                .containsPattern("expected waits: image [0-9.hms ]+, copy to us-west-2 [0-9.hms ]+, copy to eu-west-1")
                .contains("launch template httpd-web: a new default version after v1");
    }
}
