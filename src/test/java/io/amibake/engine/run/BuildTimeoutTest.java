package io.amibake.engine.run;

import io.amibake.engine.api.Target;
import io.amibake.cloud.BakeTags;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.job.TestImageStep;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.recipe.Durations;
import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.SandboxInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;

/**
 * {@code build.timeout} measured on the sandbox's clock: a run stops when the sandbox's time, not
 * the wall's, passes the timeout, so the outcome depends on neither the machine's speed nor load.
 */
@SpringBootTest(classes = {AmibakeConfiguration.class, BuildTimeoutTest.SandboxTime.class}, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:buildtimeout",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class BuildTimeoutTest {

    private static final double TIME_SCALE = 0.002;

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(TIME_SCALE);

    /**
     * The timeout's clock reads the sandbox's time, which runs 500 times faster than the wall's.
     * Not annotated: BakeConfiguration's component scan of this package would pick it up for
     * every other test's context.
     */
    static class SandboxTime {

        @Bean
        Clock timeoutClock() {
            return new Clock() {
                @Override
                public ZoneId getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return sandbox.now();
                }
            };
        }
    }

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @Test
    void aRunLongerThanTheRecipesTimeoutInSandboxTimeStopsAndCanResume() throws Exception {
        // given a bake allowed ten sandbox minutes a run, less than the image's creation and copy
        // take in sandbox time alone, and far more wall time than the whole bake takes
        Duration timeout = Duration.ofMinutes(10);
        assertThat(LatencyProfile.aws().imageCreate().plus(LatencyProfile.aws().imageCopy())).isGreaterThan(timeout);
        Path recipe = manifests.resolve("hurried.yaml");
        Files.writeString(recipe, Files.readString(Path.of("recipes/httpd.yaml"))
                .replace("name: httpd", "name: hurried").replace("timeout: 1h ", "timeout: 10m "));
        String yaml = Files.readString(recipe);
        Instant begun = sandbox.now();

        // when
        BakeResult stopped = runner.start(BakeRequest.of(yaml, recipe.toString(), Map.of()),
                Target.endpoint(sandbox.endpoint()), manifests.resolve("h.json"), BakeEvents.NONE);

        // then it stopped, resumable, once ten minutes had passed in the sandbox (where it
        // stopped depends on how much of them the machine's own pace took)
        assertThat(stopped.status()).as(String.valueOf(stopped.error())).isEqualTo("STOPPED");
        assertThat(stopped.error()).contains("longer than build.timeout (" + Durations.human(timeout) + ")");
        assertThat(stopped.timedOut()).isTrue();
        assertThat(Duration.between(begun, sandbox.now())).isGreaterThanOrEqualTo(timeout);
        assertThat(imagesOf(stopped)).noneMatch(i -> i.sourceImageId() != null && i.state().equals("available"));
        assertThat(instancesOf(stopped)).hasSizeLessThanOrEqualTo(1);

        // when it is resumed with the longest timeout a recipe may give
        JobExecution last = runner.resumable("hurried");
        assertThat(BakeResult.timedOut(last)).as("the repository keeps why it stopped").isTrue();
        BakeResult resumed = runner.resume(last.getId(),
                BakeRequest.of(yaml.replace("timeout: 10m ", "timeout: 7d "), recipe.toString(), Map.of()), Map.of(),
                Target.endpoint(sandbox.endpoint()), manifests.resolve("h.json"), BakeEvents.NONE, e -> { });

        // then it went on from where it stopped: the same bake, the same instance, one image
        assertThat(resumed.status()).as(String.valueOf(resumed.error())).isEqualTo("COMPLETED");
        assertThat(resumed.bakeId()).isEqualTo(stopped.bakeId());
        assertThat(resumed.timedOut()).isFalse();
        assertThat(instancesOf(resumed)).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("terminated"));
        assertThat(imagesOf(resumed)).filteredOn(i -> i.sourceImageId() == null || i.sourceRegion() == null)
                .singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("available"));
    }

    private static List<io.amibake.sandbox.SandboxImage> imagesOf(BakeResult result) {
        return sandbox.images().stream().filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE))).toList();
    }

    private static List<SandboxInstance> instancesOf(BakeResult result) {
        return sandbox.instances().stream()
                .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null)
                .toList();
    }
}
