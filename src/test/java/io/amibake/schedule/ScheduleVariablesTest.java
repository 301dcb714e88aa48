package io.amibake.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code schedule --var} and {@code --var-file} give each recipe. */
class ScheduleVariablesTest {

    private static final String RECIPE = """
            name: %s
            variables:
              version: "1.0"
              licenseKey: {secret: true}
            """;

    @TempDir
    Path dir;

    private final List<String> notes = new ArrayList<>();

    @Test
    void aRecipeGetsTheVariablesItDeclaresAndThoseGivenForItByName() throws Exception {
        // given a file for every recipe and one of them, and a --var that wins over the file
        Path file = dir.resolve("vars.env");
        Files.writeString(file, """
                # nightly secrets
                licenseKey=from-file
                httpd.licenseKey=httpd's = own
                team=web
                """);
        ScheduleVariables variables = ScheduleVariables.of(file, List.of("version=2.0"), notes::add);

        // when
        Map<String, String> httpd = variables.forRecipe(ScheduleVariables.Declared.of(RECIPE.formatted("httpd")));
        Map<String, String> lamp = variables.forRecipe(ScheduleVariables.Declared.of(RECIPE.formatted("lamp")));

        // then
        assertThat(httpd).containsExactlyInAnyOrderEntriesOf(Map.of("version", "2.0", "licenseKey", "httpd's = own"));
        assertThat(lamp).containsExactlyInAnyOrderEntriesOf(Map.of("version", "2.0", "licenseKey", "from-file"));
    }

    @Test
    void aFileOtherUsersCanReadGetsANote() throws Exception {
        // given
        Path file = dir.resolve("vars.env");
        Files.writeString(file, "licenseKey=x\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

        // when
        ScheduleVariables.of(file, List.of(), notes::add);

        // then
        assertThat(notes).singleElement().satisfies(note -> assertThat(note).contains("chmod 600 " + file));
    }

    @Test
    void aFileReadThroughItsGroupGetsNoNoteButOneOtherUsersCanReadDoes() throws Exception {
        // given a file of another user, readable by its group (as the package's 0640 root:amibake
        // file is by the service's account); only root can give a file away
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "only root can chown");
        Path file = dir.resolve("vars.env");
        Files.writeString(file, "licenseKey=x\n");
        Files.setOwner(file, file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));

        // when, then
        ScheduleVariables.of(file, List.of(), notes::add);
        assertThat(notes).isEmpty();
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        ScheduleVariables.of(file, List.of(), notes::add);
        assertThat(notes).singleElement().satisfies(note -> assertThat(note).contains("chmod 600 " + file));
    }

    @Test
    void aMalformedVarIsNamedWithoutItsValue() {
        assertThatThrownBy(() -> ScheduleVariables.of(null, List.of("Httpd.licenseKey=s3cr3t"), notes::add))
                .hasMessage("--var 'Httpd.licenseKey=...' is not NAME=VALUE or RECIPE.NAME=VALUE");
    }

    @Test
    void aSecretNobodyGaveGetsAStandInOnlyWhenAskedFor() {
        // given
        ScheduleVariables.Declared declared = ScheduleVariables.Declared.of(RECIPE.formatted("httpd"));

        // when
        Map<String, String> baking = ScheduleVariables.NONE.forRecipe(declared);
        Map<String, String> listing = ScheduleVariables.NONE.withStandIns(declared);

        // then
        assertThat(baking).isEmpty();
        assertThat(listing).containsOnlyKeys("licenseKey");
    }
}
