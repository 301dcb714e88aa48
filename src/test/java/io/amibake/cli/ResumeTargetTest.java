package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A bake resumes against its own target: the endpoint it ran against when the command line names
 * none, and never another cloud, other credentials or a sandbox that ended with its process.
 */
@Timeout(300)
class ResumeTargetTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private StringWriter out;
    private StringWriter err;

    private int amibake(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private void failABakeAgainstTheStandaloneSandbox() {
        sandbox.faults().clear();
        sandbox.faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect");
        assertThat(amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString())).as(err.toString()).isEqualTo(1);
        sandbox.faults().clear();
    }

    @Test
    void aResumeThatNamesNoTargetGoesOnAgainstTheEndpointTheBakeRanAgainst() {
        // given a bake against a standalone sandbox failed
        failABakeAgainstTheStandaloneSandbox();
        long before = sandbox.requests();

        // when it is resumed without --endpoint-url
        int exit = amibake("resume", "httpd", "--home", home.toString());

        // then it went on against that sandbox, which the resume named
        assertThat(exit).as(err.toString()).isZero();
        assertThat(sandbox.requests()).isGreaterThan(before);
        assertThat(out.toString()).contains("against " + sandbox.endpoint() + " account=");
    }

    @Test
    void aResumeWithOtherCredentialsOrAnotherEndpointIsRefusedInOneLineNamingTheBakesTarget() {
        // given a bake against a standalone sandbox failed
        failABakeAgainstTheStandaloneSandbox();
        long before = sandbox.requests();

        // when it is resumed with a named profile, then against another endpoint
        int withProfile = amibake("resume", "httpd", "--endpoint-url", sandbox.endpoint().toString(),
                "--profile", "someone-else", "--home", home.toString());
        String profileRefusal = err.toString();
        int elsewhere = amibake("resume", "httpd", "--endpoint-url", "http://127.0.0.1:9", "--home",
                home.toString());

        // then both are refused as bad input, in one line naming the bake's target, before any request
        assertThat(withProfile).isEqualTo(2);
        assertThat(profileRefusal.lines()).singleElement().asString()
                .contains("belongs to target '" + sandbox.endpoint() + " account=")
                .contains("--endpoint-url " + sandbox.endpoint());
        assertThat(elsewhere).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .contains("belongs to target '" + sandbox.endpoint() + " account=");
        assertThat(sandbox.requests()).isEqualTo(before);
    }

    @Test
    void aBakeOfAnInProcessSandboxResumedWithoutOneIsRefusedInOneLineInsteadOfGoingToAws() throws Exception {
        // given a bake against an in-process sandbox failed its image test, and the process ended
        Path recipe = home.resolve("failing.yaml");
        Files.writeString(recipe, Files.readString(Path.of("recipes/httpd.yaml"))
                .replace("run: curl -fsS http://localhost/ | grep -q 'It works'", "run: \"false\""));
        assertThat(amibake("bake", recipe.toString(), "--sandbox", "--time-scale", "0.002", "--home",
                home.toString())).as(err.toString()).isEqualTo(1);

        // when it is resumed with no target named, as a user would after the failure
        int exit = amibake("resume", "httpd", "--home", home.toString());

        // then one line says which target it belongs to and why it cannot resume: no AWS credential chain
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .contains("ran against a sandbox inside the process that baked it (target 'sandbox http://")
                .contains("it cannot resume");
    }
}
