package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.sandbox.LatencyProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A recipe with no command to send never waits for its build instance's agent, so it reaches
 * the stop while the instance may still be pending, which EC2 refuses to stop
 * ({@code IncorrectInstanceState}, docs/aws.md).
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:bakejob",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "spring.batch.jdbc.isolation-level-for-create=read-committed",
        "amibake.poll-min-delay=10ms"})
class PendingInstanceTest {

    /** Instances stay pending for ten sandbox minutes, over a second here: longer than the steps before the stop. */
    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002,
            options -> options.withProfile(LatencyProfile.aws().with("instance-running", Duration.ofMinutes(10))));

    private static final String RECIPE = """
            name: bare
            source:
              region: us-east-1
              ssm: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
            build:
              instanceType: t3.micro
            image:
              name: "bare-{{timestamp}}"
            test:
              defaults: false
            """;

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @Test
    void aRecipeWithNothingToRunStopsItsInstanceOnceItRuns() throws Exception {
        // when a recipe that sends no command is baked
        BakeResult result = runner.start(BakeRequest.of(RECIPE, "bare.yaml", Map.of()),
                Target.endpoint(sandbox.endpoint()), manifests.resolve("bare.json"), BakeEvents.NONE);

        // then its instance was stopped once it ran, and imaged
        assertThat(result.status()).as(String.valueOf(result.error())).isEqualTo("COMPLETED");
        assertThat(sandbox.images()).filteredOn(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("available"));
    }
}
