package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run.sh} in a checkout of its own, run by a user whose environment names a home and a
 * shared job repository: the class-recording bake it makes once per build touches neither.
 */
class RunScriptIT {

    @TempDir
    Path dir;

    @Test
    void theClassRecordingBakeWritesNothingIntoTheUsersHomeOrRepository() throws Exception {
        // given a checkout holding run.sh, its JVM flags, the built jar and the demo recipe, and a user's environment
        Path checkout = dir.resolve("checkout");
        Files.createDirectories(checkout.resolve("target"));
        Files.createDirectories(checkout.resolve("recipes"));
        Files.copy(Path.of("run.sh"), checkout.resolve("run.sh"));
        Files.createDirectories(checkout.resolve("src/main/launcher"));
        Files.copy(Path.of("src/main/launcher/jvm.options"), checkout.resolve("src/main/launcher/jvm.options"));
        Files.copy(AmibakeProcess.JAR, checkout.resolve("target/amibake.jar"));
        Files.copy(Path.of("recipes/httpd.yaml"), checkout.resolve("recipes/httpd.yaml"));
        Path usersHome = dir.resolve("user/.amibake");
        ProcessBuilder run = new ProcessBuilder(List.of(checkout.resolve("run.sh").toString(), "validate",
                checkout.resolve("recipes").toString())).redirectErrorStream(true)
                .redirectOutput(dir.resolve("run.log").toFile());
        run.environment().put("HOME", dir.resolve("user").toString());
        run.environment().put("AMIBAKE_HOME", usersHome.toString());
        // A database nobody listens on: a training bake that used it would fail, and record nothing.
        run.environment().put("SPRING_DATASOURCE_URL", "jdbc:postgresql://127.0.0.1:9/amibake");

        // when
        Process process = run.start();
        boolean ended = process.waitFor(10, TimeUnit.MINUTES);

        // then
        String log = Files.readString(dir.resolve("run.log"));
        assertThat(ended).as("run.sh still runs after 10 minutes: " + log).isTrue();
        assertThat(process.exitValue()).as(log).isZero();
        assertThat(log).contains("recording class data in the background");
        // The recording goes on in the background after the command: its lock goes when it ends.
        Path lock = checkout.resolve("target/cds.lock");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (Files.exists(lock) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(lock).as("the recording still runs after 10 minutes" + training(checkout)).doesNotExist();
        assertThat(checkout.resolve("target/cds/amibake.jsa")).as(log + training(checkout)).exists();
        assertThat(usersHome).doesNotExist();
        assertThat(dir.resolve("user")).doesNotExist();
    }

    private static String training(Path checkout) throws Exception {
        Path log = checkout.resolve("target/cds/training.log");
        return Files.exists(log) ? "\ntraining.log:\n" + Files.readString(log) : "";
    }
}
