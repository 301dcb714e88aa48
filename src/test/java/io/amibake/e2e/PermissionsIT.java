package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.amibake.Ci;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged program run by another user (nobody, through setpriv) on a home and a recipe it
 * may not touch: one line with the reason, exit 2, no stack trace. Root bypasses file
 * permissions, so this needs root to switch users (skipped otherwise) and setpriv to do it
 * (without it, skipped, and failed under CI).
 */
class PermissionsIT {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    private Path shared;

    @BeforeEach
    void sharedFolder() throws IOException {
        assumeThat(System.getProperty("user.name")).as("switching users needs root").isEqualTo("root");
        Ci.require(Files.isExecutable(SETPRIV), "setpriv (util-linux) to run amibake as another user");
        shared = Files.createTempDirectory("amibake-permissions-");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(AmibakeProcess.JAR, shared.resolve("amibake.jar"));
        Files.setPosixFilePermissions(shared.resolve("amibake.jar"), PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterEach
    void removeIt() throws IOException {
        if (shared != null) {
            try (Stream<Path> paths = Files.walk(shared)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /** Runs amibake as nobody; returns exit code and stderr. */
    private String[] asNobody(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SETPRIV.toString(), "--reuid=65534", "--regid=65534",
                "--clear-groups", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", shared.resolve("amibake.jar").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(shared.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(AmibakeProcess.TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(process.exitValue()), output};
    }

    @Test
    void aHomeOwnedByAnotherUserIsOneLineForStatusAndBake() throws Exception {
        // given root's home, owner-only
        Path home = shared.resolve("home");
        Files.createDirectories(home);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Path recipe = Files.copy(Path.of("recipes/httpd.yaml"), shared.resolve("httpd.yaml"));
        Files.setPosixFilePermissions(recipe, PosixFilePermissions.fromString("rw-r--r--"));

        for (String[] args : new String[][] {{"status", "--home", home.toString()},
                {"bake", recipe.toString(), "--sandbox", "--home", home.toString()}}) {
            // when
            String[] result = asNobody(args);

            // then
            assertThat(result[0]).as(result[1]).isEqualTo("2");
            assertThat(result[1].lines()).as(args[0]).singleElement().asString().isEqualTo("amibake: cannot write to "
                    + home + " (permission denied; it belongs to root); amibake keeps its job repository, locks and"
                    + " logs there: fix its permissions, or give another folder with --home or AMIBAKE_HOME");
        }
    }

    @Test
    void anUnreadableRecipeSaysPermissionDenied() throws Exception {
        // given
        Path recipe = Files.copy(Path.of("recipes/httpd.yaml"), shared.resolve("httpd.yaml"));
        Files.setPosixFilePermissions(recipe, PosixFilePermissions.fromString("rw-------"));

        // when
        String[] result = asNobody("bake", recipe.toString(), "--sandbox", "--home", shared.resolve("h").toString());

        // then
        assertThat(result[0]).as(result[1]).isEqualTo("2");
        assertThat(result[1]).isEqualTo(recipe + ": cannot read the file: permission denied" + System.lineSeparator());
    }
}
