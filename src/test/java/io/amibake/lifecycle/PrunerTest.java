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
import java.nio.file.Files;
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
                Map.entry(id("us-east-1", 1), "keep: named by the SSM parameter /amibake/web/latest"),
                Map.entry(id("us-east-1", 0), "keep: used by " + usersOf(id("us-east-1", 0))),
                Map.entry(id("us-west-2", 3), "keep: among the newest 1"),
                Map.entry(id("us-west-2", 2), "go: beyond the newest 1"),
                Map.entry(id("us-west-2", 1), "keep: deregistration protection is on"),
                Map.entry(id("us-west-2", 0), "go: beyond the newest 1"),
                Map.entry(id("eu-west-1", 3), "keep: among the newest 1"),
                Map.entry(id("eu-west-1", 2), "go: beyond the newest 1"),
                Map.entry(id("eu-west-1", 1), "keep: launched by web-lt v1 (default)"),
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

    @Test
    void aRecipeThatKeepsMoreImagesThanItHasReadsNothingOfWhatUsesThem() throws Exception {
        // given four images in each region, and a recipe that keeps five
        Map<String, Long> before = sandbox.stats().byOperation();

        // when
        new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now())).prune(recipe("{keep: 5}"), l -> { });

        // then no parameter, template or instance was read: only the images and snapshots, once a region
        Map<String, Long> sent = new LinkedHashMap<>(sandbox.stats().byOperation());
        before.forEach((operation, count) -> sent.merge(operation, -count, Long::sum));
        sent.values().removeIf(count -> count == 0);
        assertThat(sent).containsOnly(Map.entry("DescribeImages", 3L), Map.entry("DescribeSnapshots", 3L));
        assertThat(liveImages()).containsAll(all());
    }

    @Test
    void theParameterIsReadInEachRegionItselfNotOnlyInTheSourceRegion() throws Exception {
        // given each region's parameter names another night's image
        ssm.putParameter("us-east-1", "/amibake/web/latest", id("us-east-1", 2));
        ssm.putParameter("eu-west-1", "/amibake/web/latest", id("eu-west-1", 0));

        // when
        new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now())).prune(recipe("{keep: 1}"), l -> { });

        // then
        assertThat(liveImages()).contains(id("us-east-1", 2), id("eu-west-1", 0))
                .doesNotContain(id("us-east-1", 0), id("eu-west-1", 2));
    }

    @Test
    void everyParameterNameThatABakeRenderedKeepsItsImageWhateverThisRecipesVariablesSay() throws Exception {
        // given nights 0 and 1 were baked for prod, 2 and 3 for dev, and each wrote its environment's parameter
        for (String region : REGIONS) {
            for (int night = 0; night < 4; night++) {
                ec2.tag(region, id(region, night), Map.of(BakeTags.PARAMETER,
                        "/amibake/web/" + (night < 2 ? "prod" : "dev") + "/latest"));
            }
            ssm.putParameter(region, "/amibake/web/prod/latest", id(region, 1));
            ssm.putParameter(region, "/amibake/web/dev/latest", id(region, 3));
        }
        Recipe dev = RecipeLoader.parse(Files.readString(writeRecipe("{keep: 1}",
                "/amibake/web/{{var.environment}}/latest")), "web.yaml", Map.of("environment", "dev"));

        // when a prune runs with the dev variables
        List<RegionPlan> plans = new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now()))
                .prune(dev, l -> { });

        // then prod's image stays in every region, and says why
        for (String region : REGIONS) {
            assertThat(liveImages()).contains(id(region, 1), id(region, 3))
                    .doesNotContain(id(region, 0), id(region, 2));
        }
        assertThat(reasons(plans)).containsEntry(id("eu-west-1", 1),
                "keep: named by the SSM parameter /amibake/web/prod/latest");
    }

    @Test
    void pendingAndFailedImagesNeverCountTowardKeep() throws Exception {
        // given the newest image of us-east-1 is still pending, and one in eu-west-1 failed
        String builder = launch("us-east-1", ssm.parameter("us-east-1", AL2023), Map.of("Name", "b"));
        sandbox.faults().failNextImage("eu-west-1");
        String euBuilder = launch("eu-west-1", ssm.parameter("eu-west-1", AL2023), Map.of("Name", "b"));
        String failed = image("eu-west-1", euBuilder, "web-failed", Map.of(BakeTags.BAKE, "web-night-4",
                BakeTags.RECIPE, "web"));
        String pending = ec2.createImage("us-east-1", builder, "web-pending", "", Map.of(BakeTags.BAKE, "web-night-4",
                BakeTags.RECIPE, "web"));
        time.advance(Duration.ofMinutes(1));
        assertThat(sandbox.images()).filteredOn(i -> i.imageId().equals(pending)).first()
                .extracting(SandboxImage::state).isEqualTo("pending");

        // when
        List<RegionPlan> plans = new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now()))
                .plan(recipe("{keep: 1}"));

        // then the newest available image is still the one keep keeps
        assertThat(reasons(plans)).containsEntry(id("us-east-1", 3), "keep: among the newest 1")
                .containsEntry(id("eu-west-1", 3), "keep: among the newest 1")
                .containsEntry(pending, "keep: is pending; only available images are pruned")
                .containsEntry(failed, "keep: is failed; only available images are pruned");
    }

    @Test
    void imagesThatFailedTheirTestsNeverCountTowardKeepAndGoOnceANewerImageIsPublished() throws Exception {
        // given nights 0 and 1 passed, nights 2 and 3 failed their tests
        for (String region : REGIONS) {
            ec2.tag(region, id(region, 1), Map.of(BakeTags.TEST, "passed", BakeTags.PUBLISHED, "2026-01-15T10:00:00Z"));
            ec2.tag(region, id(region, 2), Map.of(BakeTags.TEST, "failed"));
            ec2.tag(region, id(region, 3), Map.of(BakeTags.TEST, "failed"));
        }
        Pruner pruner = new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now()));

        // when
        pruner.prune(recipe("{keep: 2}"), l -> { });

        // then both good images stay, and the failed ones too: their bake may resume and test them again
        assertThat(liveImages()).containsAll(all());

        // when a newer image passes and is published in us-east-1
        String builder = launch("us-east-1", ssm.parameter("us-east-1", AL2023), Map.of("Name", "b"));
        String newer = image("us-east-1", builder, "web-4", Map.of(BakeTags.BAKE, "web-night-4", BakeTags.RECIPE, "web",
                BakeTags.TEST, "passed", BakeTags.PUBLISHED, time.now().toString()));
        List<RegionPlan> plans = new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now()))
                .prune(recipe("{keep: 2}"), l -> { });

        // then the failed ones go there, first, and the two newest good ones stay
        assertThat(liveImages()).contains(newer, id("us-east-1", 1))
                .doesNotContain(id("us-east-1", 2), id("us-east-1", 3), id("us-east-1", 0))
                .contains(id("eu-west-1", 2), id("eu-west-1", 3));
        assertThat(reasons(plans)).containsEntry(id("us-east-1", 3), "go: failed its tests, and a newer image was"
                + " published");
    }

    @Test
    void onlyTheDefaultLatestAndRollbackVersionsOfATemplateKeepTheirImages() throws Exception {
        // given a template whose versions 1 to 4 launch nights 0 to 3, version 3 the default, and version 5
        // (the latest) launches a hand-made image
        LaunchTemplates templates = new LaunchTemplates(clients);
        templates.create("us-west-2", "web-lt", id("us-west-2", 0), "t3.micro", Map.of(), "lt-1");
        for (int night = 1; night < 4; night++) {
            templates.createVersion("us-west-2", "web-lt", id("us-west-2", night), "night " + night, "v-" + night);
        }
        templates.makeDefault("us-west-2", "web-lt", 3);
        String builder = launch("us-west-2", ssm.parameter("us-west-2", AL2023), Map.of("Name", "b"));
        templates.createVersion("us-west-2", "web-lt", image("us-west-2", builder, "hand", Map.of()), "hand", "v-5");

        // when
        List<RegionPlan> plans = new Pruner(ec2, ssm, templates, clockAt(time.now()))
                .prune(recipe("{keep: 1, rollbackVersions: 1}"), l -> { });

        // then
        assertThat(reasons(plans)).containsEntry(id("us-west-2", 3), "keep: among the newest 1")
                .containsEntry(id("us-west-2", 2), "keep: launched by web-lt v3 (default)")
                .containsEntry(id("us-west-2", 1), "keep: a rollback version: web-lt v2")
                .containsEntry(id("us-west-2", 0), "go: beyond the newest 1");
        assertThat(liveImages()).doesNotContain(id("us-west-2", 0));
    }

    @Test
    void theNewestImagePublishedInARegionStaysWhenNewerOnesWereNeverPublished() throws Exception {
        // given night 1 is the last one published in eu-west-1; nights 2 and 3 never were
        ec2.tag("eu-west-1", id("eu-west-1", 1), Map.of(BakeTags.TEST, "passed", BakeTags.PUBLISHED,
                "2026-01-15T10:00:00Z"));

        // when
        List<RegionPlan> plans = new Pruner(ec2, ssm, new LaunchTemplates(clients), clockAt(time.now()))
                .prune(recipe("{keep: 1}"), l -> { });

        // then
        assertThat(reasons(plans)).containsEntry(id("eu-west-1", 1),
                "keep: the newest image that passed its tests and was published here");
        assertThat(liveImages()).contains(id("eu-west-1", 1)).doesNotContain(id("eu-west-1", 2));
    }

    // ---- helpers ----

    private java.nio.file.Path writeRecipe(String retention, String parameter) throws Exception {
        java.nio.file.Path file = Files.createTempFile("web", ".yaml");
        Files.writeString(file, """
                name: web
                variables: {environment: prod}
                source: {region: us-east-1, ssm: %s}
                build: {instanceType: t3.micro, instanceProfile: amibake-build}
                image:
                  name: "web-{{timestamp}}"
                  retention: %s
                regions: {targets: [us-west-2, eu-west-1], ssmParameter: "%s"}
                """.formatted(AL2023, retention, parameter));
        file.toFile().deleteOnExit();
        return file;
    }

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
