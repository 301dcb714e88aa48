package io.amibake.engine.job;

import io.amibake.engine.api.Target;
import io.amibake.cloud.BakeTags;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.run.BakeCleanup;
import io.amibake.engine.api.BakeService;
import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.recipe.RecipeLoader;
import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.TestPropertySource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Bakes against a sandbox that behaves as AWS documents where it is least kind: images and copies
 * unknown for minutes after they are made, names held after deregistration, server errors after a
 * call took effect, client tokens of terminated instances, instances stopped behind the bake's back.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:awsbehaviour",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "amibake.poll-min-delay=10ms"})
class AwsBehaviourTest {

    private static final double TIME_SCALE = 0.002;

    /**
     * New images and copies stay unknown for up to 6 minutes (drawn at random from a seed, around
     * 3), longer than an image takes to create; a deregistered image's name stays taken for 30
     * minutes (3.6 s here), longer than a resume takes to reach CreateImage or CopyImage.
     */
    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(TIME_SCALE, options -> options
            .withProfile(LatencyProfile.aws()
                    .with("image-consistency-delay", Duration.ofMinutes(3))
                    .with("image-name-reuse", Duration.ofMinutes(30)))
            .withRandomDelays(15));

    @Autowired
    private BakeService runner;

    @TempDir
    Path dir;

    @BeforeEach
    void clearFaults() {
        sandbox.faults().clear();
    }

    @Test
    void serverErrorsAfterCreateImageAndCopyImageTookEffectAreRecoveredByLookingTheImagesUp() throws Exception {
        // given both calls create their image, then answer HTTP 500, on a cloud that lists new images at once
        try (Sandbox listing = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(TIME_SCALE)
                .withProfile(LatencyProfile.aws().with("image-consistency-delay", Duration.ZERO)))) {
            listing.faults().failAfter("CreateImage", "us-east-1", "InternalError", 1);
            listing.faults().failAfter("CopyImage", "eu-west-1", "InternalError", 1);
            List<String> notes = new ArrayList<>();

            // when
            BakeResult result = bake("late", Target.endpoint(listing.endpoint()), new NoteEvents(notes));

            // then the bake looked each image up and adopted it, with no second call and no duplicate name
            assertThat(result.status()).as(String.valueOf(result.error())).isEqualTo("COMPLETED");
            List<SandboxImage> images = listing.images().stream()
                    .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE))).toList();
            assertThat(images).extracting(SandboxImage::region).containsExactlyInAnyOrder("us-east-1", "eu-west-1");
            assertThat(images).allSatisfy(i -> assertThat(i.state()).isEqualTo("available"));
            assertThat(notes)
                    .anyMatch(n -> n.matches("createImage: us-east-1: adopted ami-\\S+, made by an earlier call.*"))
                    .anyMatch(n -> n.matches("distribute: eu-west-1: adopted ami-\\S+, made by an earlier call.*"));
            assertThat(listing.stats().count("CreateImage", "us-east-1", "InternalError")).isEqualTo(1);
            assertThat(listing.stats().count("CreateImage", null, "InvalidAMIName.Duplicate")
                    + listing.stats().count("CopyImage", null, "InvalidAMIName.Duplicate")).isZero();
            assertThat(listing.stats().count("CreateImage") + listing.stats().count("CopyImage")).isEqualTo(2);
        }
    }

    @Test
    void serverErrorsAfterCreateImageAndCopyImageTookEffectLeaveOneImagePerRegion() throws Exception {
        // given both calls create their image, then answer HTTP 500, and the images stay unlisted for minutes
        sandbox.faults().failAfter("CreateImage", "us-east-1", "InternalError", 1);
        sandbox.faults().failAfter("CopyImage", "eu-west-1", "InternalError", 1);

        // when
        BakeResult result = bake("unlisted", Target.endpoint(sandbox.endpoint()), BakeEvents.NONE);

        // then the bake waited until AWS let go of the names and adopted them instead of making second ones
        assertThat(result.status()).as(String.valueOf(result.error())).isEqualTo("COMPLETED");
        assertThat(imagesOf(result)).extracting(SandboxImage::region).containsExactlyInAnyOrder("us-east-1", "eu-west-1");
        assertThat(imagesOf(result)).allSatisfy(i -> assertThat(i.state()).isEqualTo("available"));
        assertThat(sandbox.stats().count("CreateImage", "us-east-1", "InternalError")).isEqualTo(1);

        // and abandon's cleanup, run twice, keeps the published images, then passes over them once deregistered
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            List<String> said = new ArrayList<>();
            BakeCleanup cleanup = new BakeCleanup(clients, java.time.Clock.systemUTC(), said::add);
            var recipe = RecipeLoader.load(dir.resolve("unlisted.yaml"), Map.of());
            cleanup.deleteImages(recipe, result.bakeId());
            assertThat(imagesOf(result)).hasSize(2);
            assertThat(said).hasSize(2).allMatch(line -> line.startsWith("kept ami-"));
            var ec2 = new Ec2Gateway(clients);
            imagesOf(result).forEach(i -> ec2.deregisterWithSnapshots(i.region(), i.imageId()));
            cleanup.deleteImages(recipe, result.bakeId());
            cleanup.deleteImages(recipe, result.bakeId());
            assertThat(ec2.findOwnSnapshotsByTag("us-east-1", BakeTags.BAKE, result.bakeId())).isEmpty();
        }
        assertThat(imagesOf(result)).isEmpty();
    }

    @Test
    void aFailedImageAndAFailedCopyAreMadeAgainUnderNamesAwsStillHolds() throws Exception {
        // given the image fails, and so will the copy into eu-west-1
        sandbox.faults().failNextImage("us-east-1");
        sandbox.faults().failNextImage("eu-west-1");
        Target aws = Target.endpoint(sandbox.endpoint());

        // when the bake runs, and resumes twice
        BakeResult failedImage = bake("reuse", aws, BakeEvents.NONE);
        BakeResult failedCopy = runner.resume(runner.resumable("reuse").getId(), aws,
                dir.resolve("reuse-1.json"), BakeEvents.NONE);
        BakeResult done = runner.resume(runner.resumable("reuse").getId(), aws,
                dir.resolve("reuse-2.json"), BakeEvents.NONE);

        // then each resume made its image again under the same name, once AWS let go of it
        assertThat(failedImage.status()).isEqualTo("FAILED");
        assertThat(failedImage.error()).contains("waitForImage");
        assertThat(failedCopy.status()).isEqualTo("FAILED");
        assertThat(failedCopy.error()).contains("eu-west-1");
        assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("COMPLETED");
        List<SandboxImage> images = imagesOf(done);
        assertThat(images).extracting(SandboxImage::region).containsExactlyInAnyOrder("us-east-1", "eu-west-1");
        assertThat(images).extracting(SandboxImage::name).containsOnly(images.get(0).name());
        assertThat(sandbox.stats().count("CreateImage", "us-east-1", "InvalidAMIName.Duplicate")
                + sandbox.stats().count("CopyImage", "eu-west-1", "InvalidAMIName.Duplicate")).isPositive();
    }

    @Test
    void aCommandToAnInstanceStoppedBehindTheBakesBackFailsPromptlyAndTheResumeSendsItAgain() throws Exception {
        // given someone stops the build instance as soon as the first command is sent
        stoppedBehindTheBakesBack("stopped", message -> message.startsWith("sent "));
    }

    @Test
    void aCommandSentToAnInstanceStoppedBetweenCommandsSaysItIsStoppedAndTheResumeSendsItAgain() throws Exception {
        // given someone stops the build instance as soon as the first command succeeded, before the next is sent
        stoppedBehindTheBakesBack("between", message -> message.endsWith("succeeded"));
    }

    private void stoppedBehindTheBakesBack(String recipe, java.util.function.Predicate<String> stopWhen)
            throws Exception {
        AtomicReference<Instant> stoppedAt = new AtomicReference<>();
        List<String> notes = new ArrayList<>();
        BakeEvents stopper = new NoteEvents(notes) {
            @Override
            public void note(String step, String message) {
                super.note(step, message);
                if (stopWhen.test(message) && stoppedAt.get() == null) {
                    String instance = sandbox.instances().stream().filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE)))
                            .filter(i -> i.state().equals("running")).findFirst().orElseThrow().instanceId();
                    try (Ec2Client ec2 = ec2()) {
                        ec2.stopInstances(r -> r.instanceIds(instance));
                    }
                    stoppedAt.set(sandbox.now());
                }
            }
        };

        // when
        BakeResult failed = bake(recipe, Target.endpoint(sandbox.endpoint()), stopper);
        Instant failedAt = sandbox.now();

        // then it failed saying why, long before the command's delivery or execution timeout (an hour)
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.error()).containsPattern("the build instance is (stopping|stopped)")
                .contains("cannot finish");
        assertThat(Duration.between(stoppedAt.get(), failedAt)).isLessThan(Duration.ofMinutes(30));

        // and a resume starts the instance and sends the command again
        BakeResult resumed = runner.resume(runner.resumable(recipe).getId(),
                Target.endpoint(sandbox.endpoint()), dir.resolve(recipe + "-1.json"), BakeEvents.NONE);
        assertThat(resumed.status()).as(String.valueOf(resumed.error())).isEqualTo("COMPLETED");
    }

    /** Two attempts per call, so that a launch whose answer is lost twice fails the bake. */
    @Nested
    @TestPropertySource(properties = "amibake.request-attempts=2")
    class TwoAttemptsPerCall {

        @Autowired
        private BakeService twoAttempts;

        @Test
        void aResumeWhoseLaunchTokenPointsAtATerminatedInstanceLaunchesANewOne() throws Exception {
            // given a launch that took effect but whose answer never arrived, so its instance id was never saved
            sandbox.faults().failAfter("RunInstances", "us-east-1", "InternalError", 2);
            BakeResult failed = bake(twoAttempts, "token", Target.endpoint(sandbox.endpoint()), BakeEvents.NONE);
            assertThat(failed.status()).isEqualTo("FAILED");
            assertThat(failed.error()).contains("HTTP 500").contains("InternalError").contains("request id");
            SandboxInstance orphan = instancesOf(failed).get(0);
            // and someone (the sweeper) has terminated that instance since
            try (Ec2Client ec2 = ec2()) {
                ec2.terminateInstances(r -> r.instanceIds(orphan.instanceId()));
            }

            // when
            BakeResult resumed = twoAttempts.resume(twoAttempts.resumable("token").getId(),
                    Target.endpoint(sandbox.endpoint()), dir.resolve("token-1.json"), BakeEvents.NONE);

            // then the resume moved to a new token and a new instance
            assertThat(resumed.status()).as(String.valueOf(resumed.error())).isEqualTo("COMPLETED");
            assertThat(instancesOf(resumed)).hasSize(2).allSatisfy(i -> assertThat(i.state()).isEqualTo("terminated"))
                    .extracting(SandboxInstance::clientToken).doesNotHaveDuplicates();
            assertThat(sandbox.stats().count("RunInstances", "us-east-1", "IdempotentInstanceTerminated")).isEqualTo(1);
        }
    }

    private BakeResult bake(String name, Target aws, BakeEvents events) throws Exception {
        return bake(runner, name, aws, events);
    }

    private BakeResult bake(BakeService runner, String name, Target aws, BakeEvents events) throws Exception {
        String yaml = Files.readString(Path.of("recipes/httpd.yaml"))
                .replace("\nname: httpd\n", "\nname: " + name + "\n")
                .replace("targets: [us-east-1, us-west-2, eu-west-1]", "targets: [us-east-1, eu-west-1]");
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        return runner.start(BakeRequest.of(yaml, file.toString(), Map.of()), aws,
                dir.resolve(name + ".json"), events);
    }

    private static List<SandboxImage> imagesOf(BakeResult result) {
        return sandbox.images().stream().filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .filter(i -> !i.state().equals("deregistered") && !i.state().equals("failed")).toList();
    }

    /** The bake's build instances; the instances that test or serve its image are not. */
    private static List<SandboxInstance> instancesOf(BakeResult result) {
        return sandbox.instances().stream().filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE)))
                .filter(i -> i.tags().get(TestImageStep.ROLE_TAG) == null)
                .toList();
    }

    private static Ec2Client ec2() {
        return Ec2Client.builder().endpointOverride(sandbox.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }
}
