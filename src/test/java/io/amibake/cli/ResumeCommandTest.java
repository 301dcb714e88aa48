package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.sandbox.SandboxCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Resuming with an edited recipe, and what status shows of a failed and a resumed bake. */
class ResumeCommandTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void failThePageCheckOnce() throws Exception {
        sandbox.faults().clear();
        sandbox.faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect");
        assertThat(amibake("bake", "recipes/httpd.yaml", "--endpoint-url", endpoint(), "--home", home.toString()))
                .as(err.toString()).isEqualTo(1);
    }

    private int amibake(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private static String endpoint() {
        return sandbox.endpoint().toString();
    }

    private Path edited(String from, String to) throws Exception {
        Path file = home.resolve("edited.yaml");
        String yaml = Files.readString(Path.of("recipes/httpd.yaml"));
        assertThat(yaml).contains(from);
        Files.writeString(file, yaml.replace(from, to));
        return file;
    }

    @Test
    void statusShowsTheFailedBakeAndItsFailedStep() {
        // when
        int exit = amibake("status", "httpd", "--home", home.toString());

        // then
        assertThat(exit).isZero();
        assertThat(out.toString()).containsPattern("httpd +FAILED +provision");
    }

    @Test
    void anEditedRecipeThatFixesOnlyTheFailedStepResumesAndSendsTheFix() throws Exception {
        // given the failing check is rewritten
        Path fixed = edited("curl -fsS http://localhost/ | grep -q 'It works'",
                "curl -fsS --retry 3 http://localhost/ | grep -q 'It works'");
        int sentBefore = sandbox.commands().size();

        // when
        int exit = amibake("resume", "httpd", "--recipe", fixed.toString(), "--endpoint-url", endpoint(),
                "--home", home.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(sandbox.commands().subList(sentBefore, sandbox.commands().size()))
                .extracting(SandboxCommand::commands)
                .anySatisfy(lines -> assertThat(String.join("\n", lines)).contains("--retry 3"))
                .noneSatisfy(lines -> assertThat(String.join("\n", lines)).contains("<title>Baked by amibake</title>"));
        assertThat(amibake("status", "--execution", "1", "--home", home.toString())).isZero();
        assertThat(out.toString()).contains("writeManifest").contains("COMPLETED");
    }

    @Test
    void anEditedRecipeThatChangesACompletedStepIsRefusedNamingIt() throws Exception {
        // given the page that was already deployed is changed
        Path changed = edited("<h1>It works</h1>", "<h1>It still works</h1>");
        long before = sandbox.requests();

        // when
        int exit = amibake("resume", "httpd", "--recipe", changed.toString(), "--endpoint-url", endpoint(),
                "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("command 'provision:deploy-page' already ran, and the edited recipe changes it");
        assertThat(sandbox.requests()).isEqualTo(before);
    }

    @Test
    void resumeRefusesAnInProcessSandbox() {
        // when
        int exit = amibake("resume", "httpd", "--sandbox", "--home", home.toString());

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--endpoint-url");
    }
}
