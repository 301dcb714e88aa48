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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The deploy: each region's launch template points at that region's copy, through the real SDK. */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:deployjob",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class DeployJobTest {

    private static final double TIME_SCALE = 0.0005;
    private static final String TEMPLATE = "fleet-web";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(TIME_SCALE);

    @Autowired
    private BakeService runner;

    @TempDir
    Path dir;

    @BeforeEach
    void clearFaults() {
        sandbox.faults().clear();
    }

    @Test
    void eachRegionsTemplateGetsADefaultVersionOfItsCopyAndAFailedRegionResumesAlone() throws Exception {
        // given a template that exists in one region, and a deploy that fails once in another
        long existing = createTemplate("us-east-1", "ami-0123456789abcdef0");
        sandbox.faults().failNext("DescribeLaunchTemplateVersions", "eu-west-1", "UnauthorizedOperation", 1);

        // when
        BakeResult failed = bake("fleet");

        // then the other regions are deployed, eu-west-1 is not
        assertThat(failed.status()).isEqualTo("FAILED");
        JsonNode regions = manifest(failed).path("regions");
        assertThat(regions.path("eu-west-1").path("status").asString()).isEqualTo("failed");
        for (String region : new String[] {"us-east-1", "us-west-2"}) {
            LaunchTemplateVersion current = defaultVersion(region);
            assertThat(current.launchTemplateData().imageId()).isEqualTo(regions.path(region).path("imageId").asString());
            assertThat(regions.path(region).path("launchTemplateVersion").asLong()).isEqualTo(current.versionNumber());
        }
        assertThat(defaultVersion("us-east-1").versionNumber()).isEqualTo(existing + 1);
        long copies = sandbox.stats().count("CopyImage", "eu-west-1");

        // when
        JobExecution last = runner.resumable("fleet");
        BakeResult resumed = runner.resume(last.getId(), Target.endpoint(sandbox.endpoint()), dir.resolve("r.json"),
                BakeEvents.NONE);

        // then eu-west-1 is deployed without a second copy
        assertThat(resumed.status()).as(resumed.error()).isEqualTo("COMPLETED");
        JsonNode after = manifest(resumed).path("regions");
        assertThat(defaultVersion("eu-west-1").launchTemplateData().imageId())
                .isEqualTo(after.path("eu-west-1").path("imageId").asString());
        assertThat(after.path("eu-west-1").path("launchTemplateVersion").asLong()).isEqualTo(1);
        assertThat(sandbox.stats().count("CopyImage", "eu-west-1")).isEqualTo(copies);
    }

    @Test
    void aTemplateAnotherBakeCreatesBetweenALookAndTheCreateGetsANewDefaultVersion() throws Exception {
        // given a template that another recipe's bake creates in us-east-1 just after this bake looked for it
        long existing = createTemplate("raced-web", "us-east-1", "ami-0123456789abcdef0");
        sandbox.faults().failNext("DescribeLaunchTemplateVersions", "us-east-1",
                "InvalidLaunchTemplateName.NotFoundException", 1);

        // when
        BakeResult result = bake("raced");

        // then the bake deployed over it: a new default version of that template launches its image
        assertThat(result.status()).as(result.error()).isEqualTo("COMPLETED");
        LaunchTemplateVersion current = defaultVersionOf("raced-web", "us-east-1");
        assertThat(current.versionNumber()).isEqualTo(existing + 1);
        assertThat(current.launchTemplateData().imageId())
                .isEqualTo(manifest(result).path("regions").path("us-east-1").path("imageId").asString());
    }

    @Test
    void aSecondBakeDeploysOverTheFirstAndTheResumedFirstNeverMovesARegionBackwards() throws Exception {
        // given a first bake whose us-west-2 deploy failed, then a second bake that completed
        sandbox.faults().failNext("DescribeLaunchTemplateVersions", "us-west-2", "UnauthorizedOperation", 1);
        BakeResult first = bake("twice");
        assertThat(first.status()).isEqualTo("FAILED");
        String firstEast = defaultVersionOf("twice-web", "us-east-1").launchTemplateData().imageId();
        BakeResult second = bake("twice");
        assertThat(second.status()).as(second.error()).isEqualTo("COMPLETED");
        JsonNode regions = manifest(second).path("regions");
        for (String region : new String[] {"us-east-1", "us-west-2"}) {
            assertThat(defaultVersionOf("twice-web", region).launchTemplateData().imageId())
                    .isEqualTo(regions.path(region).path("imageId").asString());
        }
        assertThat(regions.path("us-east-1").path("imageId").asString()).isNotEqualTo(firstEast);
        long before = defaultVersionOf("twice-web", "us-west-2").versionNumber();

        // when the older bake is resumed by its execution
        JobExecution older = runner.execution(first.executionId()).orElseThrow();
        BakeResult resumed = runner.resume(older.getId(), Target.endpoint(sandbox.endpoint()), dir.resolve("o.json"),
                BakeEvents.NONE);

        // then it completes, and us-west-2 keeps the newer image
        assertThat(resumed.status()).as(resumed.error()).isEqualTo("COMPLETED");
        LaunchTemplateVersion kept = defaultVersionOf("twice-web", "us-west-2");
        assertThat(kept.versionNumber()).isEqualTo(before);
        assertThat(kept.launchTemplateData().imageId()).isEqualTo(regions.path("us-west-2").path("imageId").asString());
    }

    private static final java.util.concurrent.atomic.AtomicInteger BAKES = new java.util.concurrent.atomic.AtomicInteger();

    private BakeResult bake(String name) throws Exception {
        String yaml = Files.readString(Path.of("recipes/httpd.yaml")).replace("name: httpd", "name: " + name)
                .replace("launchTemplate: httpd-web", "launchTemplate: " + name + "-web");
        if (name.equals("fleet")) {
            yaml = yaml.replace("launchTemplate: fleet-web", "launchTemplate: " + TEMPLATE);
        }
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        // Two bakes can start within one second, which the image name's date would not tell apart.
        Map<String, String> vars = Map.of("version", "1." + BAKES.incrementAndGet());
        return runner.start(BakeRequest.of(yaml, file.toString(), vars),
                Target.endpoint(sandbox.endpoint()), dir.resolve(name + "-" + System.nanoTime()
                        + ".json"), BakeEvents.NONE);
    }

    private static JsonNode manifest(BakeResult result) throws Exception {
        return JsonMapper.builder().build().readTree(Files.readString(result.manifest()));
    }

    private long createTemplate(String region, String imageId) {
        return createTemplate(TEMPLATE, region, imageId);
    }

    private long createTemplate(String name, String region, String imageId) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            return clients.ec2(region).createLaunchTemplate(r -> r.launchTemplateName(name)
                    .launchTemplateData(d -> d.imageId(imageId).instanceType("t3.micro")))
                    .launchTemplate().latestVersionNumber();
        }
    }

    private LaunchTemplateVersion defaultVersion(String region) {
        return defaultVersionOf(TEMPLATE, region);
    }

    private LaunchTemplateVersion defaultVersionOf(String name, String region) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            return clients.ec2(region).describeLaunchTemplateVersions(r -> r.launchTemplateName(name)
                    .versions("$Default")).launchTemplateVersions().get(0);
        }
    }
}
