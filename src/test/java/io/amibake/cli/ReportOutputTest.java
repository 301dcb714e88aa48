package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.amibake.SandboxExtension;
import io.amibake.engine.store.SharedRepository;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Where {@code report} writes: owner-only in the home, and one line, exit 2, for a place it cannot write. */
class ReportOutputTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @TempDir
    static Path home;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void bakeOnce() {
        StringWriter err = new StringWriter();
        int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(new StringWriter()))
                .setErr(new PrintWriter(err)).execute("bake", "src/test/resources/recipes/kept.yaml",
                        "--endpoint-url", sandbox.endpoint().toString(), "--home", home.toString());
        assertThat(exit).as(err.toString()).isZero();
    }

    @AfterAll
    static void stopServer() {
        SharedRepository.stop(home);
    }

    private int report(String... more) {
        String[] args = new String[more.length + 4];
        args[0] = "report";
        args[1] = "kept";
        args[2] = "--home";
        args[3] = home.toString();
        System.arraycopy(more, 0, args, 4, more.length);
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void aReportInTheHomeIsOwnerOnlyLikeEverythingElseThere() throws Exception {
        // when
        int exit = report();

        // then
        assertThat(exit).as(err.toString()).isZero();
        Path reports = home.resolve("reports");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(reports))).isEqualTo("rwx------");
        try (var files = Files.list(reports)) {
            assertThat(files.toList()).isNotEmpty().allSatisfy(file -> assertThat(PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(file))).as(file.toString()).isEqualTo("rw-------"));
        }
    }

    @Test
    void aFolderGetsTheReportInItAndAMissingFolderIsMade() {
        // when
        int intoFolder = report("-o", dir.toString());
        int intoNewFolder = report("-o", dir.resolve("new/sub/r.html").toString());

        // then
        assertThat(intoFolder).as(err.toString()).isZero();
        assertThat(intoNewFolder).as(err.toString()).isZero();
        assertThat(dir.resolve("new/sub/r.html")).isRegularFile();
        assertThat(dir.toFile().list((d, name) -> name.endsWith(".html"))).hasSize(1);
    }

    @Test
    void anEmptyNameIsOneLineAndExit2() {
        // when
        int exit = report("-o", "");

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("amibake: -o needs a file name, such as -o report.html"
                + System.lineSeparator());
    }

    @Test
    void aFileThatCannotBeWrittenIsOneLineAndExit2() {
        assumeThat(Path.of("/dev/full")).exists();

        // when
        int exit = report("-o", "/dev/full");

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .isEqualTo("amibake: cannot write the report to /dev/full (No space left on device); give another"
                        + " file with -o");
    }
}
