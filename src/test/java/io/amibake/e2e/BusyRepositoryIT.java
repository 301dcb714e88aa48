package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.bake.TestImageStep;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** While a bake runs, other commands on the same home are refused with exit 3, naming it. */
class BusyRepositoryIT {

    /** Slow enough that a bake outlasts the two commands started while it runs. */
    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.02);

    @TempDir
    Path home;

    @Test
    void aSecondBakeAndStatusAreRefusedWhileABakeRunsNamingIt() {
        // given a bake that has started its job
        String endpoint = sandbox.endpoint().toString();
        AmibakeProcess running = AmibakeProcess.start(home, line -> false, "bake", "recipes/httpd.yaml",
                "--endpoint-url", endpoint, "--home", home.toString(), "--json");
        awaitLine(running, "\"event\":\"stepStarted\"");

        // when
        // (both at once: each waits a moment for HSQLDB to judge the file lock, and the bake must outlast them)
        AmibakeProcess second = AmibakeProcess.start(home, line -> false, "bake", "recipes/httpd.yaml",
                "--endpoint-url", endpoint, "--home", home.toString());
        AmibakeProcess status = AmibakeProcess.start(home, line -> false, "status", "--home", home.toString());
        second.awaitExit();
        status.awaitExit();

        // then
        assertThat(second.exitCode()).as(second.output()).isEqualTo(3);
        assertThat(second.stderr()).as(second.output())
                .containsPattern("is in use by another amibake process \\(recipe httpd: host \\S+, pid \\d+,"
                        + " bake httpd-\\S+, execution 0\\)");
        assertThat(status.exitCode()).as(status.output()).isEqualTo(3);
        assertThat(status.stderr()).as(status.output())
                .contains("is in use by another amibake process (recipe httpd: host ");
        assertThat(running.awaitExit()).as(running.output()).isZero();
        assertThat(sandbox.instances().stream().filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null))
                .as("build instances launched: the running bake's only").hasSize(1);
    }

    private static void awaitLine(AmibakeProcess process, String fragment) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (process.lines().stream().noneMatch(line -> line.contains(fragment))) {
            assertThat(System.nanoTime()).as("no line with %s\n%s", fragment, process.output()).isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }
}
