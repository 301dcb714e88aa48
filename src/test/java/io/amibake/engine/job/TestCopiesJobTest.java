package io.amibake.engine.job;

import io.amibake.engine.api.Target;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.sandbox.SandboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** test.regions: all: each copy is tested in its region before anything is published there. */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:testcopies",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class TestCopiesJobTest {

    private static final String PARAMETER = "/amibake/copies/latest";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.0005);

    @Autowired
    private BakeService runner;

    @TempDir
    Path dir;

    @Test
    void aCopyThatFailsItsTestInItsRegionIsNotPublishedThereUntilAResumePassesIt() throws Exception {
        // given a copy test that fails once in eu-west-1, armed once the source image passed its own
        String yaml = Files.readString(Path.of("recipes/httpd.yaml")).replace("name: httpd", "name: copies")
                .replace("targets: [us-east-1, us-west-2, eu-west-1]", "targets: [us-east-1, eu-west-1]")
                .replace("test:\n  steps:", "test:\n  regions: all\n  steps:");
        yaml = yaml.substring(0, yaml.indexOf("\ndeploy:")) + "\ndeploy:\n  launchTemplate: copies-web\n";
        BakeEvents armAfterSourceTest = new BakeEvents() {
            public void stepStarted(String step) {
            }

            public void stepFinished(String step, String status, Duration took, String detail) {
                if (step.equals(TestImageStep.NAME) && status.equals("COMPLETED")) {
                    sandbox.faults().failCommand("grep -q 'It works'", 1, "the page is missing");
                }
            }

            public void note(String step, String message) {
            }

            public void bakeFinished(long execution, String status, Map<String, Object> summary) {
            }
        };

        // when
        BakeResult failed = runner.start(BakeRequest.of(yaml, "copies.yaml", Map.of()),
                Target.endpoint(sandbox.endpoint()), dir.resolve("f.json"), armAfterSourceTest);

        // then eu-west-1's copy is tagged failed, and neither its parameter nor its template moved
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.error()).contains("eu-west-1");
        SandboxImage copy = sandbox.images().stream().filter(i -> i.region().equals("eu-west-1")).findFirst()
                .orElseThrow();
        assertThat(copy.tags()).containsEntry(TestImageStep.TEST_TAG, "failed");
        assertThat(parameter("eu-west-1")).isEmpty();
        assertThat(template("eu-west-1")).isEmpty();
        assertThat(parameter("us-east-1")).contains(failed.imageId());
        assertThat(testInstancesAlive()).isZero();

        // when
        BakeResult resumed = runner.resume(runner.resumable("copies").getId(),
                Target.endpoint(sandbox.endpoint()), dir.resolve("r.json"), BakeEvents.NONE);

        // then the copy passed in its region and is published there
        assertThat(resumed.status()).as(resumed.error()).isEqualTo("COMPLETED");
        assertThat(parameter("eu-west-1")).contains(copy.imageId());
        assertThat(template("eu-west-1")).isPresent();
        assertThat(sandbox.images().stream().filter(i -> i.imageId().equals(copy.imageId())).findFirst().orElseThrow()
                .tags()).containsEntry(TestImageStep.TEST_TAG, "passed");
        assertThat(sandbox.instances().stream().filter(i -> i.region().equals("eu-west-1"))
                .filter(i -> "test".equals(i.tags().get(TestImageStep.ROLE_TAG)))).hasSize(2);
        assertThat(testInstancesAlive()).isZero();
    }

    private static long testInstancesAlive() {
        return sandbox.instances().stream().filter(i -> "test".equals(i.tags().get(TestImageStep.ROLE_TAG)))
                .filter(i -> !i.state().equals("terminated")).count();
    }

    private static Optional<String> parameter(String region) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            return new SsmGateway(clients).findParameter(region, PARAMETER);
        }
    }

    private static Optional<?> template(String region) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            return new LaunchTemplates(clients).defaultVersion(region, "copies-web");
        }
    }
}
