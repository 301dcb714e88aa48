package io.amibake.engine.job;

import io.amibake.engine.api.Target;
import io.amibake.cloud.BakeTags;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.sandbox.SandboxInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * deploy.instances: each region keeps two running instances of its newest image, replaced bake by
 * bake, a failed region keeping its old ones, through the real SDK against the sandbox.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:deployinstances",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class DeployInstancesJobTest {

    private static final double TIME_SCALE = 0.0005;
    private static final List<String> REGIONS = List.of("us-east-1", "us-west-2", "eu-west-1");
    private static final AtomicInteger BAKES = new AtomicInteger();

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
    void eachRegionRunsTwoInstancesOfItsNewImageAndAFailedRegionKeepsItsOldOnesUntilResume() throws Exception {
        // given a first bake, deployed in every region
        BakeResult first = bake("pair");
        assertThat(first.status()).as(first.error()).isEqualTo("COMPLETED");
        for (String region : REGIONS) {
            assertThat(deployed("pair", region)).hasSize(2)
                    .allMatch(i -> i.tags().get(BakeTags.BAKE).equals(first.bakeId()));
        }
        Set<String> old = ids(deployed("pair", "eu-west-1"));
        sandbox.faults().failNext("SendCommand", "eu-west-1", "AccessDeniedException", 1);

        // when a second bake's test fails on its first new instance in eu-west-1
        BakeResult second = bake("pair");

        // then the other regions run two instances of their new copy, eu-west-1 still the first bake's
        assertThat(second.status()).isEqualTo("FAILED");
        JsonNode regions = manifest(second).path("regions");
        for (String region : List.of("us-east-1", "us-west-2")) {
            String image = regions.path(region).path("imageId").asString();
            assertThat(templateImage("pair-web", region)).isEqualTo(image);
            List<SandboxInstance> serving = deployed("pair", region);
            assertThat(serving).hasSize(2).allMatch(i -> i.imageId().equals(image))
                    .allMatch(i -> i.tags().get(BakeTags.BAKE).equals(second.bakeId()));
            assertThat(regions.path(region).path("instances").valueStream().map(JsonNode::asString).toList())
                    .containsExactlyInAnyOrderElementsOf(ids(serving));
        }
        assertThat(ids(deployed("pair", "eu-west-1"))).isEqualTo(old);
        assertThat(alive("pair").stream().filter(i -> i.region().equals("eu-west-1"))).hasSize(2);

        // when
        JobExecution last = runner.resumable("pair");
        BakeResult resumed = runner.resume(last.getId(), Target.endpoint(sandbox.endpoint()), dir.resolve("r.json"),
                BakeEvents.NONE);

        // then eu-west-1 runs two instances of its new copy, and nothing but the deployed instances is left
        assertThat(resumed.status()).as(resumed.error()).isEqualTo("COMPLETED");
        String image = manifest(resumed).path("regions").path("eu-west-1").path("imageId").asString();
        assertThat(templateImage("pair-web", "eu-west-1")).isEqualTo(image);
        assertThat(deployed("pair", "eu-west-1")).hasSize(2).allMatch(i -> i.imageId().equals(image));
        assertThat(alive("pair")).hasSize(6).allMatch(i -> i.tags().get(BakeTags.BAKE).equals(second.bakeId())
                && "deploy".equals(i.tags().get(TestImageStep.ROLE_TAG)));
    }

    @Test
    void anOlderBakeResumedByItsExecutionNeverMovesARegionsInstancesBackwards() throws Exception {
        // given an older bake that failed in eu-west-1, then a newer bake that completed
        sandbox.faults().failNext("SendCommand", "eu-west-1", "AccessDeniedException", 1);
        BakeResult older = bake("order");
        assertThat(older.status()).isEqualTo("FAILED");
        BakeResult newer = bake("order");
        assertThat(newer.status()).as(newer.error()).isEqualTo("COMPLETED");
        Set<String> serving = ids(deployed("order", "eu-west-1"));

        // when the older bake is resumed by its execution
        JobExecution execution = runner.execution(older.executionId()).orElseThrow();
        BakeResult resumed = runner.resume(execution.getId(), Target.endpoint(sandbox.endpoint()), dir.resolve("o.json"),
                BakeEvents.NONE);

        // then eu-west-1 keeps the newer bake's instances, and the older bake launched none there
        assertThat(resumed.status()).as(resumed.error()).isEqualTo("COMPLETED");
        assertThat(ids(deployed("order", "eu-west-1"))).isEqualTo(serving);
        assertThat(manifest(resumed).path("regions").path("eu-west-1").path("instances").valueStream()
                .map(JsonNode::asString).toList()).containsExactlyInAnyOrderElementsOf(serving);
        assertThat(alive("order")).allMatch(i -> i.tags().get(BakeTags.BAKE).equals(newer.bakeId())).hasSize(6);
    }

    @Test
    void everyInstanceLaunchesInTheSubnetAndSecurityGroupsTheRecipeNames() throws Exception {
        // given the second default subnet and a group of its own in each region, named in the recipe
        Map<String, String> subnets = new java.util.HashMap<>();
        Map<String, String> groups = new java.util.HashMap<>();
        for (String region : REGIONS) {
            subnets.put(region, sandbox.account().defaultSubnets(region).get(1));
            groups.put(region, sandbox.account().createSecurityGroup(region, "web"));
        }
        String build = "  subnet: " + subnets.get("us-east-1") + "\n  securityGroups: [" + groups.get("us-east-1")
                + "]\n";
        String deploy = "    subnet: {us-west-2: " + subnets.get("us-west-2") + ", eu-west-1: "
                + subnets.get("eu-west-1") + "}\n    securityGroups: {eu-west-1: [" + groups.get("eu-west-1") + "]}\n";

        // when
        BakeResult result = bake("placed", build, deploy);

        // then the build and test instances and the deployed ones in the other regions landed as named
        assertThat(result.status()).as(result.error()).isEqualTo("COMPLETED");
        List<SandboxInstance> buildAndTest = sandbox.instances().stream()
                .filter(i -> "placed".equals(i.tags().get(BakeTags.RECIPE)))
                .filter(i -> !"deploy".equals(i.tags().get(TestImageStep.ROLE_TAG))).toList();
        assertThat(buildAndTest).hasSize(2).allSatisfy(i -> {
                    assertThat(i.subnetId()).isEqualTo(subnets.get("us-east-1"));
                    assertThat(i.securityGroupIds()).containsExactly(groups.get("us-east-1"));
                });
        for (String region : List.of("us-west-2", "eu-west-1")) {
            assertThat(deployed("placed", region)).hasSize(2)
                    .allSatisfy(i -> assertThat(i.subnetId()).isEqualTo(subnets.get(region)));
        }
        assertThat(deployed("placed", "eu-west-1"))
                .allSatisfy(i -> assertThat(i.securityGroupIds()).containsExactly(groups.get("eu-west-1")));
    }

    private BakeResult bake(String name) throws Exception {
        return bake(name, "", "");
    }

    /** recipes/httpd.yaml deploying two servers per region, with lines added to build and deploy.instances. */
    private BakeResult bake(String name, String buildLines, String deployInstancesLines) throws Exception {
        String yaml = Files.readString(Path.of("recipes/httpd.yaml")).replace("name: httpd", "name: " + name)
                .replace("build:\n", "build:\n" + buildLines);
        yaml = yaml.substring(0, yaml.indexOf("\ndeploy:")) + """

                deploy:
                  launchTemplate: %s-web
                  instances:
                    count: 2
                    instanceType: t3.micro
                """.formatted(name) + deployInstancesLines;
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        Map<String, String> vars = Map.of("version", "1." + BAKES.incrementAndGet());
        return runner.start(BakeRequest.of(yaml, file.toString(), vars),
                Target.endpoint(sandbox.endpoint()),
                dir.resolve(name + "-" + System.nanoTime() + ".json"), BakeEvents.NONE);
    }

    /** The recipe's instances that are not terminated nor on their way. */
    private static List<SandboxInstance> alive(String recipe) {
        return sandbox.instances().stream().filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE)))
                .filter(i -> !Set.of("shutting-down", "terminated").contains(i.state())).toList();
    }

    private static List<SandboxInstance> deployed(String recipe, String region) {
        return alive(recipe).stream().filter(i -> i.region().equals(region))
                .filter(i -> "deploy".equals(i.tags().get(TestImageStep.ROLE_TAG))).toList();
    }

    private static Set<String> ids(List<SandboxInstance> instances) {
        return Set.copyOf(instances.stream().map(SandboxInstance::instanceId).toList());
    }

    private static JsonNode manifest(BakeResult result) throws Exception {
        return JsonMapper.builder().build().readTree(Files.readString(result.manifest()));
    }

    private String templateImage(String name, String region) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            return clients.ec2(region).describeLaunchTemplateVersions(r -> r.launchTemplateName(name)
                    .versions("$Default")).launchTemplateVersions().get(0).launchTemplateData().imageId();
        }
    }
}
