package io.amibake.engine.job;

import io.amibake.engine.state.StepNames;
import io.amibake.engine.api.Target;
import io.amibake.cloud.BakeTags;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeLoader;
import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.sandbox.SandboxStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/** Region copies against the sandbox: parallel, tagged, shared, and resumed per region. */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:distribution",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class DistributionTest {

    private static final String FLEET = "src/test/resources/recipes/fleet.yaml";
    private static final List<String> EIGHT = List.of("us-east-1", "us-east-2", "us-west-1", "us-west-2",
            "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1");

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @BeforeEach
    void clearFaults() {
        sandbox.faults().clear();
    }

    @Test
    void aBakeToEightRegionsLeavesOneTaggedSharedImagePerRegionAndListsThemAll() throws Exception {
        // when
        BakeResult result = bake(FLEET, Map.of("run", "eight"));

        // then
        assertThat(result.status()).as(String.valueOf(result.error())).isEqualTo("COMPLETED");
        List<SandboxImage> images = imagesOf(result);
        assertThat(images).extracting(SandboxImage::region).containsExactlyInAnyOrderElementsOf(EIGHT);
        assertThat(images).allSatisfy(image -> {
            assertThat(image.state()).isEqualTo("available");
            assertThat(image.tags()).containsEntry("Team", "platform").containsEntry(BakeTags.BAKE, result.bakeId());
            assertThat(image.launchPermissionUserIds()).containsExactlyInAnyOrder("111122223333", "444455556666");
        });
        assertThat(images).filteredOn(i -> i.region().equals("eu-west-1")).singleElement()
                .satisfies(i -> assertThat(i.kmsKeyId()).isEqualTo(keyArn("eu-west-1", "alias/amibake-images")));
        String manifest = Files.readString(result.manifest());
        images.forEach(image -> assertThat(manifest).contains("\"" + image.region() + "\"").contains(image.imageId()));
    }

    @Test
    void theCopiesOverlapInTime() throws Exception {
        // when
        BakeResult result = bake(FLEET, Map.of("run", "overlap"));

        // then every copy started before the first one finished (sandbox time, not wall time)
        List<SandboxImage> copies = imagesOf(result).stream().filter(i -> i.sourceImageId() != null).toList();
        assertThat(copies).hasSize(7);
        Instant firstFinished = copies.stream().map(SandboxImage::completedAt).min(Comparator.naturalOrder())
                .orElseThrow();
        assertThat(copies).allSatisfy(copy -> assertThat(copy.createdAt()).isBefore(firstFinished));
    }

    @Test
    void twoFailedRegionsFailTheBakeAndResumeCopiesOnlyThoseTwo() throws Exception {
        // given copies into two regions fail
        sandbox.faults().failNextImage("us-west-1");
        sandbox.faults().failNextImage("ap-southeast-1");

        // when
        BakeResult failed = bake(FLEET, Map.of("run", "partial"));

        // then the bake fails naming both regions, and keeps the six that succeeded
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.error()).contains("2 regions").contains("us-west-1").contains("ap-southeast-1");
        assertThat(imagesOf(failed)).filteredOn(i -> i.state().equals("available")).hasSize(6);

        // when the bake resumes
        Map<String, Long> copiesBefore = copyCalls();
        BakeResult resumed = runner.resume(runner.resumable("fleet").getId(),
                Target.endpoint(sandbox.endpoint()), manifests.resolve("resumed.json"), BakeEvents.NONE);

        // then only the two failed regions were copied again
        assertThat(resumed.status()).as(String.valueOf(resumed.error())).isEqualTo("COMPLETED");
        Map<String, Long> copiesAfter = copyCalls();
        EIGHT.forEach(region -> {
            long calls = copiesAfter.getOrDefault(region, 0L) - copiesBefore.getOrDefault(region, 0L);
            assertThat(calls).as("CopyImage calls into " + region)
                    .isEqualTo(region.equals("us-west-1") || region.equals("ap-southeast-1") ? 1 : 0);
        });
        assertThat(imagesOf(resumed)).filteredOn(i -> i.state().equals("available"))
                .extracting(SandboxImage::region).containsExactlyInAnyOrderElementsOf(EIGHT);
    }

    @Test
    void underAwsLikeThrottlingABakeToSixteenRegionsLosesNoRegion() throws Exception {
        // given a recipe that targets sixteen regions
        String sixteen = Files.readString(Path.of(FLEET)).replace(
                "targets: [us-east-1, us-east-2, us-west-1, us-west-2, eu-west-1, eu-central-1, ap-southeast-1, ap-northeast-1]",
                "targets: [us-east-1, us-east-2, us-west-1, us-west-2, eu-west-1, eu-west-2, eu-west-3, eu-central-1,"
                        + " eu-north-1, ap-southeast-1, ap-southeast-2, ap-northeast-1, ap-northeast-2, ap-south-1,"
                        + " ca-central-1, sa-east-1]");
        Path recipe = manifests.resolve("sixteen.yaml");
        Files.writeString(recipe, sixteen);
        // and a sandbox whose buckets refill at AWS's own rates in real time (time scale 1), while
        // its transitions take 1/500 of AWS's, and whose buckets are all emptied, as by other
        // clients of the account, the moment the first region's distribution starts
        try (Sandbox throttled = Sandbox.start(SandboxOptions.defaults().withPort(0).withProfile(awsTimes(0.002)))) {
            AtomicBoolean drained = new AtomicBoolean();
            BakeEvents drainOnDistribution = new BakeEvents() {
                @Override
                public void stepStarted(String step) {
                    if (step.startsWith(StepNames.REGION_PARTITION) && drained.compareAndSet(false, true)) {
                        throttled.drainThrottleBuckets();
                    }
                }

                @Override
                public void stepFinished(String step, String status, Duration took, String detail) {
                }

                @Override
                public void note(String step, String message) {
                }

                @Override
                public void bakeFinished(long execution, String status, Map<String, Object> summary) {
                }
            };

            // when
            String yaml = Files.readString(recipe);
            BakeResult result = runner.start(BakeRequest.of(yaml, recipe.toString(), Map.of("run", "sixteen")),
                    Target.endpoint(throttled.endpoint()), manifests.resolve("sixteen.json"),
                    drainOnDistribution);

            // then every region has its image
            SandboxStats stats = throttled.stats();
            assertThat(result.status()).as(result.error() + "\n" + stats.toJson()).isEqualTo("COMPLETED");
            assertThat(throttled.images()).filteredOn(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                    .hasSize(16).allSatisfy(i -> assertThat(i.state()).isEqualTo("available"));
            // and the bake was throttled, and rode out every throttled call: each was answered later
            List<SandboxStats.Row> throttledCalls = stats.requests().stream()
                    .filter(r -> r.outcome().equals("RequestLimitExceeded") || r.outcome().equals("ThrottlingException"))
                    .toList();
            assertThat(throttledCalls).as(stats.toJson()).isNotEmpty();
            assertThat(throttledCalls).as(stats.toJson()).allSatisfy(r ->
                    assertThat(stats.count(r.operation(), r.region(), "ok")).as(r.operation() + " in " + r.region())
                            .isPositive());
        }
    }

    /** AWS's latencies, each multiplied by {@code scale}. */
    private static LatencyProfile awsTimes(double scale) {
        LatencyProfile profile = LatencyProfile.aws();
        for (Map.Entry<String, Duration> entry : LatencyProfile.aws().asMap().entrySet()) {
            profile = profile.with(entry.getKey(), Duration.ofNanos((long) (entry.getValue().toNanos() * scale)));
        }
        return profile;
    }

    private BakeResult bake(String file, Map<String, String> vars) throws Exception {
        String yaml = Files.readString(Path.of(file));
        Recipe recipe = RecipeLoader.parse(yaml, file, vars);
        return runner.start(BakeRequest.of(yaml, file, vars), Target.endpoint(sandbox.endpoint()), manifests.resolve(recipe.name() + "-" + vars.get("run") + ".json"), BakeEvents.NONE);
    }

    /** The ARN of the key an alias names in the region, as KMS tells it. */
    private static String keyArn(String region, String alias) {
        try (KmsClient kms = KmsClient.builder().endpointOverride(sandbox.endpoint()).region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("t", "t"))).build()) {
            return kms.describeKey(r -> r.keyId(alias)).keyMetadata().arn();
        }
    }

    private static List<SandboxImage> imagesOf(BakeResult result) {
        return sandbox.images().stream()
                .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .filter(i -> !i.state().equals("deregistered"))
                .toList();
    }

    /**
     * CopyImage calls EC2 accepted, per region. A re-created copy may first be refused while EC2
     * still holds the failed copy's name (InvalidAMIName.Duplicate), which is not a copy.
     */
    private static Map<String, Long> copyCalls() {
        return sandbox.stats().requests().stream()
                .filter(r -> r.operation().equals("CopyImage") && r.outcome().equals("ok"))
                .collect(java.util.stream.Collectors.groupingBy(r -> r.region(),
                        java.util.stream.Collectors.summingLong(r -> r.count())));
    }
}
