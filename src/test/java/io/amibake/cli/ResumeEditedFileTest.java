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

/**
 * {@code resume RECIPE} after the recipe's file was fixed (issue 28): the edit is taken when it
 * only touches what has not run, as the scheduler does; otherwise one line says what to type.
 */
class ResumeEditedFileTest {

    private static final String CHECK = "curl -fsS http://localhost/ | grep -q 'It works'";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private Path recipe;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void aBakeWhosePageCheckKeepsFailing() throws Exception {
        sandbox.faults().clear();
        sandbox.faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect", 1000);
        recipe = home.resolve("httpd.yaml");
        Files.writeString(recipe, Files.readString(Path.of("recipes/httpd.yaml")));
        assertThat(amibake("bake", recipe.toString())).as(err.toString()).isEqualTo(1);
    }

    private int amibake(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(
                "--endpoint-url", sandbox.endpoint().toString(), "--home", home.toString())).toArray(String[]::new);
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(all);
    }

    private void edit(String from, String to) throws Exception {
        String yaml = Files.readString(recipe);
        assertThat(yaml).contains(from);
        Files.writeString(recipe, yaml.replace(from, to));
    }

    @Test
    void aFixOfTheFailedCommandInTheRecipesFileIsTakenByAPlainResume() throws Exception {
        // given the failing check is fixed in the file the bake came from
        edit(CHECK, CHECK.replace("curl -fsS", "curl --retry 3 -fsS"));
        int sentBefore = sandbox.commands().size();

        // when
        int exit = amibake("resume", "httpd");

        // then the fix is what runs, and the resume says it took the edit
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("recipe " + recipe + " changed since bake httpd-")
                .contains("only in what has not run yet: resuming with the edit");
        assertThat(sandbox.commands().subList(sentBefore, sandbox.commands().size()))
                .extracting(SandboxCommand::commands)
                .anySatisfy(lines -> assertThat(String.join("\n", lines)).contains("curl --retry 3 -fsS"));
    }

    @Test
    void anEditOfWhatAlreadyRanIsRefusedInOneLineSayingWhatToType() throws Exception {
        // given the page that was already deployed is changed too
        edit("<h1>It works</h1>", "<h1>It still works</h1>");
        long before = sandbox.requests();

        // when
        int exit = amibake("resume", "httpd");

        // then nothing ran, and one line names the ways on
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .contains(recipe + " was edited where bake httpd-")
                .contains("command 'provision:deploy-page' already ran, and the edited recipe changes it")
                .contains("type 'amibake bake " + recipe + "' to bake the edit anew")
                .contains("--as-stored' to resume with the recipe the bake stored");
        assertThat(sandbox.requests()).isEqualTo(before);

        // when the bake is resumed as stored, once the cause is gone
        sandbox.faults().clear();
        assertThat(amibake("resume", "httpd", "--as-stored")).as(err.toString()).isZero();
    }
}
