package io.amibake.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.CloudException;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.LaunchRequest;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.cloud.BakeTags;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeLoader;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxClock;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention against the sandbox over HTTP: in each of three regions four images of the recipe,
 * ten days apart, next to images amibake did not make for it.
 */
class PrunerTest {

    private static final List<String> REGIONS = List.of("us-east-1", "us-west-2", "eu-west-1");
    private static final String AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

    private final SandboxClock.Manual time = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private Sandbox sandbox;
    private AwsClients clients;
    private Ec2Gateway ec2;
    private SsmGateway ssm;
    /** Region to the recipe's images, oldest first. */
    private final Map<String, List<String>> images = new LinkedHashMap<>();
    private final List<String> foreign = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withThrottling(false), time);
        clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()));
        ec2 = new Ec2Gateway(clients);
        ssm = new SsmGateway(clients);
        Map<String, String> builders = new LinkedHashMap<>();
        for (String region : REGIONS) {
            builders.put(region, launch(region, ssm.parameter(region, AL2023), Map.of("Name", "builder")));
            images.put(region, new ArrayList<>());
        }
        for (int night = 0; night < 4; night++) {
            for (String region : REGIONS) {
                images.get(region).add(image(region, builders.get(region), "web-" + night + "-" + region, Map.of(
                        BakeTags.BAKE, "web-night-" + night, BakeTags.RECIPE, "web")));
            }
            time.advance(Duration.ofDays(10));
        }
        String builder = launch("us-east-1", ssm.parameter("us-east-1", AL2023), Map.of("Name", "other"));
        foreign.add(image("us-east-1", builder, "hand-made", Map.of("Name", "hand-made")));
        foreign.add(image("us-east-1", builder, "other-recipe", Map.of(BakeTags.BAKE, "x", BakeTags.RECIPE, "other")));
    }

    @AfterEach
    void stop() {
        clients.close();
        sandbox.close();
    }

    @Test
    void keepsTheNewestThePublishedTheUsedTheTemplatedAndTheProtectedAndRemovesTheRestWithTheirSnapshots() throws Exception {
        // given
        ssm.putParameter("us-east-1", "/amibake/web/latest", images.get("us-east-1").get(1));
        launch("us-east-1", images.get("us-east-1").get(0), Map.of("Name", "app server"));
        ec2.protectFromDeregistration("us-west-2", images.get("us-west-2").get(1));
        new LaunchTemplates(clients).create("eu-west-1", "web-lt", images.get("eu-west-1").get(1), "t3.micro",
                Map.of(), "web-lt-1");
        Recipe recipe = recipe("{keep: 1}");
        Pruner pruner = new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now()));
        List<String> before = snapshots();

        // when
        List<RegionPlan> dryRun = pruner.plan(recipe);
        List<String> afterDryRun = liveImages();
        pruner.prune(recipe, line -> { });

        // then
        assertThat(afterDryRun).containsAll(all());
        assertThat(reasons(dryRun)).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry(id("us-east-1", 3), "keep: among the newest 1"),
                Map.entry(id("us-east-1", 2), "go: beyond the newest 1"),
                Map.entry(id("us-east-1", 1), "keep: named by the recipe's SSM parameter"),
                Map.entry(id("us-east-1", 0), "keep: used by " + usersOf(id("us-east-1", 0))),
                Map.entry(id("us-west-2", 3), "keep: among the newest 1"),
                Map.entry(id("us-west-2", 2), "go: beyond the newest 1"),
                Map.entry(id("us-west-2", 1), "keep: deregistration protection is on"),
                Map.entry(id("us-west-2", 0), "go: beyond the newest 1"),
                Map.entry(id("eu-west-1", 3), "keep: among the newest 1"),
                Map.entry(id("eu-west-1", 2), "go: beyond the newest 1"),
                Map.entry(id("eu-west-1", 1), "keep: used by web-lt v1"),
                Map.entry(id("eu-west-1", 0), "go: beyond the newest 1")));
        List<String> gone = List.of(id("us-east-1", 2), id("us-west-2", 2), id("us-west-2", 0),
                id("eu-west-1", 2), id("eu-west-1", 0));
        assertThat(liveImages()).doesNotContainAnyElementsOf(gone)
                .containsAll(all().stream().filter(i -> !gone.contains(i)).toList());
        assertThat(snapshots()).hasSize(before.size() - gone.size())
                .doesNotContainAnyElementsOf(snapshotsOf(gone));
    }

    @Test
    void aMaximumAgeKeepsTheYoungerImagesBeyondTheNewest() throws Exception {
        // given: the images are 40, 30, 20 and 10 days old
        Recipe recipe = recipe("{keep: 1, maxAge: 25d}");

        // when
        new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now())).prune(recipe, line -> { });

        // then
        for (String region : REGIONS) {
            assertThat(liveImages()).contains(id(region, 3), id(region, 2))
                    .doesNotContain(id(region, 1), id(region, 0));
        }
    }

    @Test
    void aPruneStoppedMidwayIsFinishedByTheNextRunWithNoSnapshotLeftBehind() throws Exception {
        // given: the first run dies after deregistering an image, before deleting its snapshot
        Recipe recipe = recipe("{keep: 3}");
        sandbox.faults().failNext("DeleteSnapshot", "eu-west-1", "UnauthorizedOperation", 1);
        Pruner pruner = new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now()));
        assertThatThrownBy(() -> pruner.prune(recipe, line -> { })).isInstanceOf(CloudException.class);
        assertThat(liveImages()).doesNotContain(id("eu-west-1", 0));
        assertThat(snapshots()).containsAll(snapshotsOf(List.of(id("eu-west-1", 0))));

        // when
        pruner.prune(recipe, line -> { });

        // then
        List<String> gone = REGIONS.stream().map(r -> id(r, 0)).toList();
        assertThat(liveImages()).doesNotContainAnyElementsOf(gone);
        assertThat(snapshots()).doesNotContainAnyElementsOf(snapshotsOf(gone));
        assertThat(liveImages()).containsAll(foreign);
    }

    @Test
    void withoutRetentionNothingGoes() throws Exception {
        // when
        List<RegionPlan> plans = new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now())).prune(recipe(null), line -> { });

        // then
        assertThat(plans).allSatisfy(plan -> assertThat(plan.doomed()).isEmpty());
        assertThat(liveImages()).containsAll(all());
    }

    // ---- helpers ----

    private Recipe recipe(String retention) throws Exception {
        String yaml = """
                name: web
                source: {region: us-east-1, ssm: %s}
                build: {instanceType: t3.micro, instanceProfile: amibake-build}
                image:
                  name: "web-{{timestamp}}"
                %s
                regions: {targets: [us-west-2, eu-west-1], ssmParameter: /amibake/web/latest}
                """.formatted(AL2023, retention == null ? "" : "  retention: " + retention);
        return RecipeLoader.parse(yaml, "web.yaml", Map.of());
    }

    private String launch(String region, String imageId, Map<String, String> tags) {
        String id = ec2.launch(region, new LaunchRequest(imageId, "/dev/xvda", "t3.micro", null, List.of(),
                null, 0, tags, null)).id();
        time.advance(Duration.ofMinutes(2));
        return id;
    }

    private String image(String region, String instanceId, String name, Map<String, String> tags) {
        String id = ec2.createImage(region, instanceId, name, "", tags);
        time.advance(Duration.ofHours(1));
        return id;
    }

    private String id(String region, int night) {
        return images.get(region).get(night);
    }

    private List<String> all() {
        return images.values().stream().flatMap(List::stream).toList();
    }

    private List<String> liveImages() {
        return sandbox.images().stream().filter(i -> !i.state().equals("deregistered")).map(SandboxImage::imageId).toList();
    }

    private List<String> snapshots() {
        List<String> found = new ArrayList<>();
        for (String region : REGIONS) {
            found.addAll(ec2.findOwnSnapshotsByTag(region, BakeTags.RECIPE, "web"));
        }
        return found;
    }

    private List<String> snapshotsOf(List<String> imageIds) {
        Map<String, Image> known = new LinkedHashMap<>();
        images.forEach((region, ids) -> known.putAll(ec2.describeImages(region, ids)));
        return imageIds.stream().flatMap(id -> known.containsKey(id) ? known.get(id).snapshotIds().stream()
                : sandbox.images().stream().filter(i -> i.imageId().equals(id)).flatMap(i -> i.snapshotIds().stream()))
                .toList();
    }

    private String usersOf(String imageId) {
        return String.join(", ", ec2.instancesUsing("us-east-1", List.of(imageId)).get(imageId));
    }

    private static Map<String, String> reasons(List<RegionPlan> plans) {
        return plans.stream().flatMap(p -> p.verdicts().stream()).collect(Collectors.toMap(
                v -> v.image().id(), v -> (v.goes() ? "go: " : "keep: ") + v.reason()));
    }

    private static Clock clockAt(Instant now) {
        return Clock.fixed(now, ZoneOffset.UTC);
    }
}
