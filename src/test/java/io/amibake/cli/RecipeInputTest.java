package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.Unprivileged;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Files that cannot be recipes, given to every command that reads one: the same one-line
 * message from each, exit 2, and nothing started (no Spring, no cloud call).
 */
class RecipeInputTest {

    private static final String RECIPE = """
            name: web
            source:
              region: us-east-1
              ami: ami-0123456789abcdef0
            build:
              instanceType: t3.micro
            image:
              name: "{{recipe}}-{{date}}"
            """;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int amibake(String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    /** validate, bake and resume --recipe, each given the file. */
    private String[][] commands(Path recipe) {
        return new String[][] {
                {"validate", recipe.toString()},
                {"bake", recipe.toString(), "--endpoint-url", "http://127.0.0.1:9", "--home", dir.resolve("home").toString()},
                {"resume", "web", "--recipe", recipe.toString(), "--endpoint-url", "http://127.0.0.1:9",
                        "--home", dir.resolve("home").toString()}};
    }

    /** What bake, resume --recipe and validate each print for the file, exit 2 from each. */
    private void everyCommandSays(Path recipe, String expected) {
        for (String[] command : commands(recipe)) {
            err.getBuffer().setLength(0);
            assertThat(amibake(command)).as(String.join(" ", command) + ": " + err).isEqualTo(2);
            assertThat(err.toString()).as(command[0]).contains(expected);
        }
        assertThat(dir.resolve("home")).as("no command opened the repository").doesNotExist();
    }

    @Test
    void aRecipeThatIsNotUtf8GetsTheSameMessageFromEveryCommand() throws Exception {
        // given
        Path recipe = dir.resolve("latin1.yaml");
        Files.write(recipe, (RECIPE + "description: caf\u00e9\n").getBytes(StandardCharsets.ISO_8859_1));

        // then
        everyCommandSays(recipe, recipe + ": the file is not UTF-8 text");
    }

    @Test
    void anOversizedRecipeIsRefusedByItsSizeBeforeParsing() throws Exception {
        // given a 5 MB single-line scalar: SnakeYAML scans it for minutes before its own limit
        Path recipe = dir.resolve("huge.yaml");
        Files.writeString(recipe, RECIPE + "description: " + "a".repeat(5_000_000) + "\n");

        // then
        everyCommandSays(recipe, recipe + ": the file has " + Files.size(recipe) + " bytes; a recipe has at most 1000000");
    }

    @Test
    void anUnreadableRecipeSaysPermissionDenied() throws Exception {
        // given a recipe its user may not read (run without root's privileges: root reads any file)
        Path recipe = dir.resolve("secret.yaml");
        Files.writeString(recipe, RECIPE);
        Files.setPosixFilePermissions(recipe, PosixFilePermissions.fromString("-w-------"));

        // then
        for (String[] command : commands(recipe)) {
            Unprivileged.Result result = Unprivileged.amibake(command);
            assertThat(result.exit()).as(String.join(" ", command) + ": " + result.err()).isEqualTo(2);
            assertThat(result.err()).as(command[0]).contains(recipe + ": cannot read the file: permission denied");
        }
        assertThat(dir.resolve("home")).as("no command opened the repository").doesNotExist();
    }

    @Test
    void aNulCharacterInsideRunIsRefusedWithItsLocation() throws Exception {
        // given
        Path recipe = dir.resolve("nul.yaml");
        Files.writeString(recipe, RECIPE + """
                provision:
                  - name: write
                    run: "echo one\\necho two\\0 > /etc/motd"
                """);

        // then
        everyCommandSays(recipe, recipe + ":11:10: provision[0].run: the script contains the control character U+0000 (NUL) on its line 2");
    }
}
