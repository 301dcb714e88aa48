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
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.SsmGateway;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeLoader;
import io.amibake.sandbox.SandboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** A completed bake applies the recipe's retention as its last step, in every region. */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:retention",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class RetentionAfterBakeTest {

    private static final String KEPT = "src/test/resources/recipes/kept.yaml";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @Test
    void theSecondBakeRemovesTheFirstBakesImagesAndSnapshotsInEveryRegion() throws Exception {
        // given
        BakeResult first = bake("first");
        assertThat(first.status()).as(String.valueOf(first.error())).isEqualTo("COMPLETED");
        List<String> firstSnapshots = live(first).stream().flatMap(i -> i.snapshotIds().stream()).toList();
        assertThat(live(first)).hasSize(2);

        // when
        BakeResult second = bake("second");

        // then
        assertThat(second.status()).as(String.valueOf(second.error())).isEqualTo("COMPLETED");
        assertThat(live(first)).isEmpty();
        assertThat(live(second)).extracting(SandboxImage::region).containsExactlyInAnyOrder("us-east-1", "eu-west-1");
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            assertThat(new SsmGateway(clients).parameter("eu-west-1", "/amibake/kept/latest"))
                    .isEqualTo(live(second).stream().filter(i -> i.region().equals("eu-west-1")).findFirst()
                            .orElseThrow().imageId());
            var ec2 = new Ec2Gateway(clients);
            List<String> remaining = List.of("us-east-1", "eu-west-1").stream()
                    .flatMap(r -> ec2.findOwnSnapshotsByTag(r, BakeTags.BAKE, first.bakeId()).stream()).toList();
            assertThat(remaining).isEmpty();
            assertThat(firstSnapshots).isNotEmpty();
        }
    }

    @Test
    void theImageAndEveryCopyCarryTheRecipesImageSettings() throws Exception {
        // given
        String yaml = Files.readString(Path.of(KEPT)).replace("name: kept", "name: guarded").replace(
                "retention: {keep: 1}", "deprecateAfter: 90d\n  deregistrationProtection: true\n  imdsSupport: v2.0");

        // when
        BakeResult result = bake(yaml, "settings");

        // then
        assertThat(result.status()).as(String.valueOf(result.error())).isEqualTo("COMPLETED");
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            for (SandboxImage image : live(result)) {
                var described = clients.ec2(image.region()).describeImages(r -> r.imageIds(image.imageId()))
                        .images().get(0);
                assertThat(described.deregistrationProtection()).as(image.region()).startsWith("enabled");
                assertThat(described.imdsSupportAsString()).as(image.region()).isEqualTo("v2.0");
                assertThat(described.deprecationTime()).as(image.region()).isNotNull();
            }
            assertThat(live(result)).hasSize(2);
        }
    }

    private BakeResult bake(String run) throws Exception {
        return bake(Files.readString(Path.of(KEPT)), run);
    }

    private BakeResult bake(String yaml, String run) throws Exception {
        Map<String, String> vars = Map.of("run", run);
        Recipe recipe = RecipeLoader.parse(yaml, KEPT, vars);
        return runner.start(BakeRequest.of(yaml, KEPT, vars), Target.endpoint(sandbox.endpoint()), manifests.resolve(run + ".json"), BakeEvents.NONE);
    }

    private static List<SandboxImage> live(BakeResult result) {
        return sandbox.images().stream()
                .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .filter(i -> !i.state().equals("deregistered"))
                .toList();
    }
}
