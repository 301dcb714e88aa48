package io.amibake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.Unprivileged;
import io.amibake.engine.store.RepositoryCheck;
import io.amibake.engine.store.SharedRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A home amibake cannot use as it is: a damaged or shrunken job repository, a home that cannot
 * be written. Each is one line naming the path and what to do, exit 2, no stack trace.
 */
class DamagedHomeTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    /** A home holding one completed bake, copied for each test. */
    @TempDir
    static Path baked;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void bakeOnce() {
        StringWriter err = new StringWriter();
        int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(new StringWriter()))
                .setErr(new PrintWriter(err)).execute("bake", "recipes/httpd.yaml",
                        "--endpoint-url", sandbox.endpoint().toString(), "--home", baked.toString());
        assertThat(exit).as(err.toString()).isZero();
        // At rest, as a home is when it is backed up or damaged: the file closed by its server.
        SharedRepository.stop(baked);
    }

    private int amibake(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cli = AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private Path copyOfBakedHome() throws IOException {
        Path home = dir.resolve("home");
        try (Stream<Path> files = Files.walk(baked)) {
            for (Path from : files.toList()) {
                Path to = home.resolve(baked.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return home;
    }

    /** status and resume each refuse the home with one line that names the file and what to do. */
    private void statusAndResumeSayTheRepositoryIsDamaged(Path home, String what) {
        Path script = home.resolve("repository/amibake.script").toAbsolutePath();
        for (String[] command : new String[][] {{"status", "--home", home.toString()},
                {"resume", "httpd", "--endpoint-url", sandbox.endpoint().toString(), "--home", home.toString()}}) {
            int exit = amibake(command);
            assertThat(exit).as(command[0] + ": " + err).isEqualTo(2);
            assertThat(err.toString().lines()).as(command[0]).singleElement().asString()
                    .startsWith("amibake: the job repository " + script + " " + what)
                    .contains("restore " + script.getParent() + " from a backup, or move that folder aside");
            assertThat(out.toString()).as(command[0]).isEmpty();
        }
    }

    @Test
    void aRepositoryTruncatedToNothingIsNamedWithWhatToDo() throws IOException {
        // given
        Path home = copyOfBakedHome();
        Files.write(home.resolve("repository/amibake.script"), new byte[0]);

        // then
        statusAndResumeSayTheRepositoryIsDamaged(home, "is damaged and cannot be opened");
    }

    @Test
    void aRepositoryWithRandomBytesAppendedIsNamedWithWhatToDo() throws IOException {
        // given
        Path home = copyOfBakedHome();
        byte[] noise = new byte[2000];
        new Random(8).nextBytes(noise);
        Files.write(home.resolve("repository/amibake.script"), noise, StandardOpenOption.APPEND);

        // then
        statusAndResumeSayTheRepositoryIsDamaged(home, "is damaged and cannot be opened");
    }

    @Test
    void aRepositoryTruncatedToHalfIsNotUsedAsIfItWereWhole() throws IOException {
        // given
        Path home = copyOfBakedHome();
        Path script = home.resolve("repository/amibake.script");
        try (FileChannel file = FileChannel.open(script, StandardOpenOption.WRITE)) {
            file.truncate(file.size() / 2);
        }

        // then
        statusAndResumeSayTheRepositoryIsDamaged(home, "lost ");
    }

    @Test
    void aRepositoryHoldingLessThanItDidWhenLastClosedIsRefused() throws IOException {
        // given an older, empty copy of the repository put back in place of the one with the bake
        Path home = copyOfBakedHome();
        Path record = home.resolve("repository").resolve(RepositoryCheck.RECORD);
        Path kept = dir.resolve("record");
        Files.copy(record, kept);
        assertThat(amibake("status", "--home", dir.resolve("empty").toString())).isZero();
        SharedRepository.stop(dir.resolve("empty"));
        try (Stream<Path> files = Files.list(home.resolve("repository"))) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        try (Stream<Path> files = Files.list(dir.resolve("empty/repository"))) {
            for (Path file : files.toList()) {
                Files.copy(file, home.resolve("repository").resolve(file.getFileName()));
            }
        }
        Files.copy(kept, record, StandardCopyOption.REPLACE_EXISTING);

        // then
        statusAndResumeSayTheRepositoryIsDamaged(home, "lost data: it holds 0 executions");
    }

    @Test
    void theHomeOnTheCommandLineIsTheCommandsOnlyHomeWhateverElseNamesOne() throws IOException {
        // given a home whose record says it held a bake, named the way AMIBAKE_HOME is (relaxed binding
        // of amibake.home), and another, new home on the command line
        Path named = copyOfBakedHome();
        SharedRepository.stop(named);
        Path given = dir.resolve("given");
        String before = System.getProperty("amibake.home");
        System.setProperty("amibake.home", named.toString());
        try {
            // when
            int exit = amibake("status", "--home", given.toString());

            // then the command used the given home only, and called nothing lost
            assertThat(exit).as(err.toString()).isZero();
            assertThat(err.toString()).doesNotContain("lost data").doesNotContain("aside");
            assertThat(given.resolve("repository").resolve(RepositoryCheck.RECORD)).exists();
        } finally {
            if (before == null) {
                System.clearProperty("amibake.home");
            } else {
                System.setProperty("amibake.home", before);
            }
            SharedRepository.stop(given);
        }
    }

    @Test
    void aHomeThatIsNotAFolderIsOneLine() throws IOException {
        // given
        Path home = Files.writeString(dir.resolve("home"), "not a folder");

        // then
        for (String command : new String[] {"status", "bake"}) {
            int exit = command.equals("status") ? amibake("status", "--home", home.toString())
                    : amibake("bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(),
                            "--home", home.toString());
            assertThat(exit).as(command + ": " + err).isEqualTo(2);
            assertThat(err.toString().lines()).as(command).singleElement().asString()
                    .startsWith("amibake: cannot write to " + home + " (it is not a folder)")
                    .contains("give another folder with --home or AMIBAKE_HOME");
        }
    }

    @Test
    void aReadOnlyHomeIsOneLineForStatusAndBake() throws Exception {
        // given a home its user may read but not write (run without root's privileges: root writes anywhere)
        Path home = copyOfBakedHome();
        for (String folder : new String[] {"", "repository", "logs", "locks", "manifests"}) {
            Files.setPosixFilePermissions(home.resolve(folder), PosixFilePermissions.fromString("r-x------"));
        }

        // then
        for (String[] command : new String[][] {{"status", "--home", home.toString()},
                {"bake", "recipes/httpd.yaml", "--endpoint-url", sandbox.endpoint().toString(), "--home",
                        home.toString()}}) {
            Unprivileged.Result result = Unprivileged.amibake(command);
            assertThat(result.exit()).as(command[0] + ": " + result.err()).isEqualTo(2);
            assertThat(result.err().lines()).as(command[0]).singleElement().asString()
                    .contains("(permission denied)");
        }
    }

    @Test
    void theHomeIsOwnerOnlyAndSoAreTheFilesInIt() throws IOException {
        // given a home a bake made (in bakeOnce)

        // then
        try (Stream<Path> paths = Files.walk(baked)) {
            assertThat(paths.toList()).allSatisfy(path -> assertThat(PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(path))).as(path.toString())
                    .isEqualTo(Files.isDirectory(path) ? "rwx------" : "rw-------"));
        }
    }
}
