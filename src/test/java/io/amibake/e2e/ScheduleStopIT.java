package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.HeldClock;
import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amibake stop RECIPE} from another process, against a {@code schedule} process baking
 * several recipes: the named bake stops, resumable, and the others go on to complete.
 */
class ScheduleStopIT {

    /** The exit code of a JVM ended by SIGTERM once its shutdown hooks have run. */
    private static final int TERMINATED = 128 + 15;

    /** Sandbox time stands still until the test moves it: the bakes wait at their first command. */
    private static final HeldClock CLOUD = new HeldClock(Instant.parse("2026-01-05T10:00:00Z"), 0.02);

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(CLOUD, options -> options.withThrottling(false));

    @TempDir
    Path scratch;

    @Test
    void aStopOfOneRecipesBakeInASchedulerLeavesTheOtherBakeRunningToItsEnd() throws Exception {
        // given a scheduler whose two recipes are due at 02:00, on a clock the test moves
        Path recipes = Files.createDirectories(scratch.resolve("recipes"));
        Files.writeString(recipes.resolve("alpha.yaml"), recipe("alpha"));
        Files.writeString(recipes.resolve("beta.yaml"), recipe("beta"));
        ClockFile clock = new ClockFile(scratch, Instant.parse("2026-01-05T01:59:59Z"));
        AmibakeProcess scheduler = AmibakeProcess.start(scratch, environment(clock), line -> false,
                "schedule", recipes.toString(), "--endpoint-url", sandbox.endpoint().toString(), "--home", home());
        try {
            scheduler.awaitLine("alpha: next run 2026-01-05 02:00:00 UTC");
            scheduler.awaitLine("beta: next run 2026-01-05 02:00:00 UTC");

            // and both slots' bakes under way, each waiting for its first command
            clock.set(Instant.parse("2026-01-05T02:00:00Z"));
            AmibakeProcess.await("both build instances launched", () -> sandbox.stats().count("RunInstances") == 2,
                    scheduler);
            CLOUD.advance(Duration.ofMinutes(10));
            AmibakeProcess.await("both bakes' first command", () -> sandbox.stats().count("SendCommand") == 2
                    && sandbox.stats().count("GetCommandInvocation") >= 2, scheduler);

            // when another process stops alpha's bake
            AmibakeProcess stop = AmibakeProcess.run(scratch, environment(clock), "stop", "alpha", "--home", home());

            // then alpha's bake stops, and beta's completes once the cloud moves on
            assertThat(stop.exitCode()).as(stop.output()).isZero();
            assertThat(stop.stdout()).contains("asked bake alpha-");
            scheduler.awaitLine("alpha: bake alpha-");
            AmibakeProcess.await("alpha's bake to end", () -> finished(scheduler, "alpha"), scheduler);
            CLOUD.release();
            AmibakeProcess.await("beta's bake to end", () -> finished(scheduler, "beta"), scheduler);
            scheduler.terminate();
            assertThat(scheduler.awaitExit()).as(scheduler.output()).isEqualTo(TERMINATED);
            assertThat(scheduler.stdout()).as(scheduler.output())
                    .containsPattern("alpha: bake alpha-\\S+ stopped after")
                    .containsPattern("beta: bake beta-\\S+ completed in")
                    .doesNotContainPattern("beta: bake beta-\\S+ stopped");
        } finally {
            scheduler.terminate();
        }
    }

    private static boolean finished(AmibakeProcess scheduler, String recipe) {
        return scheduler.lines().stream().anyMatch(line -> line.matches(".*" + recipe + ": bake " + recipe
                + "-\\S+ (stopped after|completed in|failed after).*"));
    }

    private String home() {
        return scratch.resolve("home").toString();
    }

    /** The test's clock, and a lease whose heartbeat never beats within the test: only the stop look stops. */
    private static Map<String, String> environment(ClockFile clock) {
        Map<String, String> environment = new HashMap<>(clock.environment());
        environment.put("AMIBAKE_LEASE_TTL", "1h");
        return environment;
    }

    private static String recipe(String name) {
        return TestRecipes.oneRegion(name, "echo baked > /etc/marker", """
                schedule:
                  cron: "0 0 2 * * *"
                  zone: UTC
                """);
    }
}
