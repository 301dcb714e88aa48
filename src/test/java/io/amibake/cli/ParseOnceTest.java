package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.recipe.RecipeLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A bake parses its recipe once, from the command line through the steps, the manifest and the
 * notification; a resume parses the recipe stored with the bake once.
 */
@Timeout(300)
class ParseOnceTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private StringWriter err;

    private int amibake(String... args) {
        err = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(new StringWriter()))
                .setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void aBakeParsesItsRecipeOnceAndItsResumeParsesTheStoredRecipeOnce() {
        // given a bake whose page check fails once
        sandbox.faults().failCommand("curl -fsS http://localhost/", 7, "curl: (7) Failed to connect");
        long before = RecipeLoader.parsed();

        // when it runs: three regions, a manifest written twice, a notification of its failure
        int baked = amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());

        // then the recipe was parsed once
        assertThat(baked).as(err.toString()).isEqualTo(1);
        assertThat(RecipeLoader.parsed() - before).as("parses of one bake").isEqualTo(1);

        // when it resumes to its end
        sandbox.faults().clear();
        long beforeResume = RecipeLoader.parsed();
        int resumed = amibake("resume", "httpd", "--home", home.toString());

        // then the stored recipe was parsed once
        assertThat(resumed).as(err.toString()).isZero();
        assertThat(RecipeLoader.parsed() - beforeResume).as("parses of one resume").isEqualTo(1);
    }
}
