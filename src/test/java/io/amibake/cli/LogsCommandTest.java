package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Command output is kept for successful commands too, and {@code logs} prints it after the bake. */
class LogsCommandTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    Path home;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    private int amibake(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void logsPrintsASuccessfulCommandsOutputAfterTheBakeEnded() throws Exception {
        // given a completed bake whose deploy step prints a line, watched as JSON
        Path recipe = home.resolve("httpd.yaml");
        Files.writeString(recipe, Files.readString(Path.of("recipes/httpd.yaml")).replace(
                "      chmod 644 /var/www/html/index.html\n",
                "      chmod 644 /var/www/html/index.html\n      echo page deployed to /var/www/html\n"));
        int baked = amibake("bake", recipe.toString(), "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString(), "--json");
        assertThat(baked).as(err.toString()).isZero();
        assertThat(out.toString().lines())
                .anySatisfy(line -> assertThat(line).contains("\"event\":\"commandFinished\"")
                        .contains("\"command\":\"deploy-page\"").contains("\"status\":\"Success\"")
                        .contains("\"stdoutTail\":\"page deployed to /var/www/html\\n\""));

        // when
        int exit = amibake("logs", "httpd", "--home", home.toString());

        // then every command of the bake is there, its output included
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("== installPackages / packages: Success, exit code 0")
                .contains("== provision / deploy-page: Success, exit code 0")
                .contains("-- stdout:\npage deployed to /var/www/html\n")
                .contains("== provision / check-page: Success, exit code 0")
                .contains("== cleanup / remove-deploy-secrets: Success");
    }

    @Test
    void logsFiltersByStepAndCommandAndSaysWhenNothingMatches() {
        // given
        amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());

        // when
        int exit = amibake("logs", "httpd", "--home", home.toString(), "--step", "provision", "--command",
                "check-page");

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("== provision / check-page").doesNotContain("installPackages")
                .doesNotContain("deploy-page");
        assertThat(amibake("logs", "httpd", "--home", home.toString(), "--command", "nope")).isEqualTo(1);
        assertThat(err.toString()).contains("kept no command output matching the filter");
        assertThat(amibake("logs", "no-such-bake", "--home", home.toString())).isEqualTo(2);
    }

    @Test
    void statusJsonParsesAndNamesTheBakeAndEachStep() {
        // given
        amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                "--home", home.toString());
        JsonMapper json = JsonMapper.builder().build();

        // when
        int listed = amibake("status", "--json", "--home", home.toString());
        JsonNode bakes = json.readTree(out.toString());
        int shown = amibake("status", "--json", "--execution", bakes.get(0).get("execution").asString(),
                "--home", home.toString());
        JsonNode one = json.readTree(out.toString());

        // then
        assertThat(listed).isZero();
        assertThat(bakes.isArray()).isTrue();
        assertThat(bakes.get(0).get("recipe").asString()).isEqualTo("httpd");
        assertThat(bakes.get(0).get("status").asString()).isEqualTo("COMPLETED");
        assertThat(bakes.get(0).get("imageId").asString()).startsWith("ami-");
        assertThat(shown).isZero();
        assertThat(one.get("bake").asString()).isEqualTo(bakes.get(0).get("bake").asString());
        assertThat(one.get("steps").size()).isGreaterThan(10);
        assertThat(one.get("steps").get(0).get("step").asString()).isEqualTo("prepare");
    }
}
