package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The README's nightly example works as written, and a stray copy of a recipe stops nothing (issue 28). */
class NightlyExampleTest {

    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int amibake(String... args) {
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void theReadmesScheduleListOfTheShippedRecipesListsTheScheduledOne() throws Exception {
        // given the README's line
        assertThat(Files.readString(Path.of("README.md"))).contains("./run.sh schedule --list recipes/");

        // when
        int exit = amibake("schedule", "--list", "recipes/", "--home", home.toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).containsPattern("(?m)^lamp +\\S");
    }

    @Test
    void aBackupCopyOfARecipeInTheDirectoryIsReportedAndTheOthersGoOn() throws Exception {
        // given the scheduled recipe, its backup copy, and another recipe
        Path dir = Files.createDirectories(home.resolve("recipes"));
        String lamp = Files.readString(Path.of("recipes/lamp.yaml"));
        Files.writeString(dir.resolve("lamp.yaml"), lamp);
        Files.writeString(dir.resolve("lamp-old.yaml"), lamp);
        Files.writeString(dir.resolve("web.yaml"), lamp.replace("name: lamp", "name: web"));

        // when
        int exit = amibake("schedule", "--list", dir.toString(), "--home", home.resolve("state").toString());

        // then
        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).contains(dir.resolve("lamp.yaml") + ": recipe 'lamp' is also in "
                + dir.resolve("lamp-old.yaml") + "; a recipe is scheduled once, from " + dir.resolve("lamp-old.yaml")
                + ": this file is left out");
        assertThat(out.toString()).containsPattern("(?m)^lamp +\\S").containsPattern("(?m)^web +\\S");
    }
}
