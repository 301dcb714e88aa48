package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int amibake(String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void theShippedRecipesAreValidOneLineEach() {
        // when
        int exit = amibake("validate", "recipes/");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.OK);
        assertThat(out.toString().lines()).hasSize(4)
                .anySatisfy(line -> assertThat(line).startsWith("valid    recipes/httpd.yaml: httpd"))
                .anySatisfy(line -> assertThat(line).startsWith("valid    recipes/lamp.yaml: lamp"))
                .anySatisfy(line -> assertThat(line).startsWith("valid    recipes/httpd-debian.yaml: httpd-debian"))
                .anySatisfy(line -> assertThat(line).startsWith("valid    recipes/lamp-debian.yaml: lamp-debian"));
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void anInvalidRecipePrintsItsFullReportAndExitsTwo() {
        // when
        int exit = amibake("validate", "recipes/httpd.yaml", "src/test/resources/invalid/66-many-problems-at-once.yaml");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(out.toString()).contains("valid    recipes/httpd.yaml");
        assertThat(err.toString())
                .contains("INVALID  src/test/resources/invalid/66-many-problems-at-once.yaml: 6 problems")
                .contains("66-many-problems-at-once.yaml:9:11: source.region: unknown region 'us-eats-1';"
                        + " did you mean 'us-east-1'?")
                .contains("regoins: unknown key 'regoins'; did you mean 'regions'?");
    }

    @Test
    void aMissingFileIsInvalid() {
        // when
        int exit = amibake("validate", "recipes/missing.yaml");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("recipes/missing.yaml: the file does not exist");
    }

    @Test
    void aFolderWithoutRecipesIsInvalid(@TempDir Path empty) {
        // when
        int exit = amibake("validate", empty.toString());

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("no *.yaml or *.yml recipes");
    }

    @Test
    void aFolderIsSearchedForYamlAndYmlAtAnyDepth(@TempDir Path dir) throws IOException {
        // given
        Files.createDirectories(dir.resolve("team"));
        Files.copy(Path.of("recipes/httpd.yaml"), dir.resolve("team/web.yml"));
        Files.writeString(dir.resolve("notes.txt"), "not a recipe");

        // when
        int exit = amibake("validate", dir.toString());

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.OK);
        assertThat(out.toString()).contains("web.yml: httpd");
    }

    @Test
    void printShowsTheNormalizedRecipeAndEveryCommandsShellInOrder() {
        // when
        int exit = amibake("validate", "--print", "recipes/httpd.yaml");

        // then
        String printed = out.toString();
        assertThat(exit).isEqualTo(AmibakeCommand.OK);
        assertThat(printed).contains("# normalized recipe", "onFailure: stop", "timeout: 1h",
                "# ---- 1/5 packages (executionTimeout 30m)",
                "# ---- 5/5 cleanup:builtin (executionTimeout 10m)",
                "systemctl stop 'httpd'",
                "curl -fsS http://localhost/ | grep -q 'It works'");
        assertThat(printed.indexOf("provision:deploy-page")).isLessThan(printed.indexOf("provision:check-page"));
    }

    @Test
    void varOverridesADeclaredVariable() {
        // when
        int exit = amibake("validate", "--var", "version=9.9", "recipes/httpd.yaml");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.OK);
        assertThat(out.toString()).contains("image 'httpd-al2023-9.9-");
    }

    @Test
    void varForAnUndeclaredVariableIsAnError() {
        // when
        int exit = amibake("validate", "--var", "colour=red", "recipes/httpd.yaml");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("variables.colour: --var sets 'colour', which the recipe does not declare");
    }

    @Test
    void helpDescribesTheCommand() {
        // when
        int exit = amibake("validate", "--help");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.OK);
        assertThat(out.toString()).contains("Usage: amibake validate", "--print", "--var=NAME=VALUE", "FILE|DIR");
    }

    @Test
    void noArgumentsIsAUsageError() {
        // when
        int exit = amibake("validate");

        // then
        assertThat(exit).isEqualTo(AmibakeCommand.USAGE);
        assertThat(err.toString()).contains("Missing required parameter");
    }
}
