package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateChange;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.RunInstancesResponse;
import software.amazon.awssdk.services.ec2.model.ShutdownBehavior;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ssm.SsmClient;

class Ec2InstancesTest {

    private final SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private Sandbox sandbox;
    private Ec2Client ec2;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0), clock);
        ec2 = SandboxClients.ec2NoRetry(sandbox, Region.US_EAST_1);
    }

    @AfterEach
    void stop() {
        ec2.close();
        sandbox.close();
    }

    private String al2023() {
        try (SsmClient ssm = SandboxClients.ssm(sandbox, Region.US_EAST_1)) {
            return ssm.getParameter(r -> r.name("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"))
                    .parameter().value();
        }
    }

    private RunInstancesRequest.Builder launch() {
        return RunInstancesRequest.builder().imageId(al2023()).instanceType("t3.micro").minCount(1).maxCount(1);
    }

    @Test
    void withVariationInstancesBootInTimesSpreadAroundTheProfilesTheSameForTheSameSeed() throws Exception {
        // when ten instances are launched at once in two sandboxes seeded alike, whose boots vary by e^±0.5
        List<Boolean> first = runningAfterTwentySeconds(7);
        List<Boolean> again = runningAfterTwentySeconds(7);

        // then at the profile's 20 s some run and some do not, and the same seed draws the same
        assertThat(first).contains(true, false);
        assertThat(again).isEqualTo(first);
    }

    private List<Boolean> runningAfterTwentySeconds(long seed) throws Exception {
        SandboxClock.Manual own = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
        try (Sandbox varied = Sandbox.start(SandboxOptions.defaults().withPort(0).withVariation(0.5, seed), own);
             Ec2Client client = SandboxClients.ec2NoRetry(varied, Region.US_EAST_1)) {
            String image;
            try (SsmClient ssm = SandboxClients.ssm(varied, Region.US_EAST_1)) {
                image = ssm.getParameter(r -> r.name("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"))
                        .parameter().value();
            }
            List<String> ids = client.runInstances(r -> r.imageId(image).instanceType("t3.micro").minCount(10)
                    .maxCount(10)).instances().stream().map(Instance::instanceId).toList();
            own.advance(Duration.ofSeconds(20));
            return client.describeInstances(r -> r.instanceIds(ids)).reservations().stream()
                    .flatMap(r -> r.instances().stream())
                    .sorted(java.util.Comparator.comparing(Instance::amiLaunchIndex))
                    .map(i -> i.state().name() == InstanceStateName.RUNNING).toList();
        }
    }

    private Instance describe(String id) {
        return ec2.describeInstances(r -> r.instanceIds(id)).reservations().get(0).instances().get(0);
    }

    @Test
    void runInstancesEchoesEverySettingAndGoesPendingThenRunning() {
        // given
        RunInstancesRequest request = launch()
                .clientToken("bake-1-launch")
                .iamInstanceProfile(p -> p.name("amibake-build"))
                .metadataOptions(m -> m.httpTokens(HttpTokensState.REQUIRED))
                .instanceInitiatedShutdownBehavior(ShutdownBehavior.TERMINATE)
                .blockDeviceMappings(b -> b.deviceName("/dev/xvda").ebs(e -> e.volumeSize(20).encrypted(true)))
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.INSTANCE)
                        .tags(Tag.builder().key("amibake:bake").value("b-1").build()).build())
                .build();

        // when
        RunInstancesResponse run = ec2.runInstances(request);
        clock.advance(Duration.ofSeconds(2));
        Instance pending = describe(run.instances().get(0).instanceId());
        clock.advance(Duration.ofSeconds(20));
        Instance running = describe(run.instances().get(0).instanceId());

        // then
        Instance launched = run.instances().get(0);
        assertThat(run.reservationId()).startsWith("r-");
        assertThat(run.ownerId()).isEqualTo("123456789012");
        assertThat(launched.instanceId()).matches("i-[0-9a-f]{17}");
        assertThat(launched.state().name()).isEqualTo(InstanceStateName.PENDING);
        assertThat(launched.launchTime()).isEqualTo(Instant.parse("2026-01-05T10:00:00Z"));
        assertThat(pending.state().name()).isEqualTo(InstanceStateName.PENDING);
        assertThat(running.state().name()).isEqualTo(InstanceStateName.RUNNING);
        assertThat(running.state().code()).isEqualTo(16);
        assertThat(running.clientToken()).isEqualTo("bake-1-launch");
        assertThat(running.iamInstanceProfile().arn()).isEqualTo("arn:aws:iam::123456789012:instance-profile/amibake-build");
        assertThat(running.metadataOptions().httpTokens()).isEqualTo(HttpTokensState.REQUIRED);
        assertThat(running.tags()).containsExactly(Tag.builder().key("amibake:bake").value("b-1").build());
        assertThat(running.blockDeviceMappings()).singleElement()
                .satisfies(b -> assertThat(b.ebs().volumeId()).startsWith("vol-"));
        assertThat(running.instanceType().toString()).isEqualTo("t3.micro");
        assertThat(running.placement().availabilityZone()).isEqualTo("us-east-1a");
        assertThat(sandbox.instances()).singleElement()
                .satisfies(i -> assertThat(i.iamInstanceProfile()).endsWith("/amibake-build"));
    }

    @Test
    void aNewInstanceIsNotFoundByIdUntilEventualConsistencyCatchesUp() {
        // given
        String id = ec2.runInstances(launch().build()).instances().get(0).instanceId();

        // when / then
        assertThatThrownBy(() -> describe(id)).isInstanceOfSatisfying(AwsServiceException.class,
                e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceID.NotFound"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(describe(id).instanceId()).isEqualTo(id);
    }

    @Test
    void theSameClientTokenReturnsTheSameInstanceAndDifferentParametersMismatch() {
        // given
        String first = ec2.runInstances(launch().clientToken("tok-1").build()).instances().get(0).instanceId();

        // when
        String again = ec2.runInstances(launch().clientToken("tok-1").build()).instances().get(0).instanceId();

        // then
        assertThat(again).isEqualTo(first);
        assertThat(sandbox.instances()).hasSize(1);
        assertThatThrownBy(() -> ec2.runInstances(launch().clientToken("tok-1").instanceType("m5.large").build()))
                .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("IdempotentParameterMismatch");
                    assertThat(e.statusCode()).isEqualTo(400);
                });
    }

    @Test
    void stopStartAndTerminateTakeTheirTimeFromTheProfile() {
        // given
        String id = ec2.runInstances(launch().build()).instances().get(0).instanceId();
        clock.advance(Duration.ofSeconds(20));

        // when
        InstanceStateChange stopping = ec2.stopInstances(r -> r.instanceIds(id)).stoppingInstances().get(0);
        clock.advance(Duration.ofSeconds(39));
        InstanceStateName stillStopping = describe(id).state().name();
        clock.advance(Duration.ofSeconds(1));
        Instance stopped = describe(id);
        ec2.startInstances(r -> r.instanceIds(id));
        clock.advance(Duration.ofSeconds(20));
        InstanceStateName restarted = describe(id).state().name();
        ec2.terminateInstances(r -> r.instanceIds(id));
        InstanceStateName shuttingDown = describe(id).state().name();
        clock.advance(Duration.ofSeconds(40));

        // then
        assertThat(stopping.previousState().name()).isEqualTo(InstanceStateName.RUNNING);
        assertThat(stopping.currentState().name()).isEqualTo(InstanceStateName.STOPPING);
        assertThat(stillStopping).isEqualTo(InstanceStateName.STOPPING);
        assertThat(stopped.state().name()).isEqualTo(InstanceStateName.STOPPED);
        assertThat(stopped.stateReason().code()).isEqualTo("Client.UserInitiatedShutdown");
        assertThat(stopped.stateTransitionReason()).isEqualTo("User initiated (2026-01-05 10:01:00 GMT)");
        assertThat(restarted).isEqualTo(InstanceStateName.RUNNING);
        assertThat(shuttingDown).isEqualTo(InstanceStateName.SHUTTING_DOWN);
        assertThat(describe(id).state().name()).isEqualTo(InstanceStateName.TERMINATED);
        assertThat(sandbox.stats().liveInstances()).isZero();
    }

    @Test
    void stoppingAPendingInstanceIsAnIncorrectState() {
        // given
        String id = ec2.runInstances(launch().build()).instances().get(0).instanceId();
        clock.advance(Duration.ofSeconds(1));

        // when / then
        assertThatThrownBy(() -> ec2.stopInstances(r -> r.instanceIds(id)))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("IncorrectInstanceState"));
    }

    @Test
    void describeInstancesFiltersByTagStateAndWildcards() {
        // given
        ec2.runInstances(launch().tagSpecifications(TagSpecification.builder().resourceType(ResourceType.INSTANCE)
                .tags(Tag.builder().key("amibake:bake").value("web-42").build()).build()).build());
        ec2.runInstances(launch().build());
        clock.advance(Duration.ofSeconds(21));

        // when
        List<Instance> tagged = ec2.describeInstances(r -> r.filters(
                        Filter.builder().name("tag:amibake:bake").values("web-*").build(),
                        Filter.builder().name("instance-state-name").values("pending", "running").build()))
                .reservations().stream().flatMap(res -> res.instances().stream()).toList();
        List<Instance> all = ec2.describeInstances().reservations().stream().flatMap(res -> res.instances().stream())
                .toList();

        // then
        assertThat(tagged).singleElement().satisfies(i -> assertThat(i.tags().get(0).value()).isEqualTo("web-42"));
        assertThat(all).hasSize(2);
        assertThatThrownBy(() -> ec2.describeInstances(r -> r.filters(Filter.builder().name("no-such").values("x")
                .build()))).isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidParameterValue"));
    }

    @Test
    void unknownAndMalformedIdsAnswerEc2sOwnCodes() {
        // when / then
        assertThatThrownBy(() -> ec2.describeInstances(r -> r.instanceIds("i-0123456789abcdef0")))
                .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceID.NotFound");
                    assertThat(e.awsErrorDetails().errorMessage()).contains("i-0123456789abcdef0");
                    assertThat(e.requestId()).isNotBlank();
                    assertThat(e.statusCode()).isEqualTo(400);
                });
        assertThatThrownBy(() -> ec2.terminateInstances(r -> r.instanceIds("bogus")))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceID.Malformed"));
        assertThatThrownBy(() -> ec2.runInstances(launch().imageId("ami-0123456789abcdef0").build()))
                .isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAMIID.NotFound"));
    }

    @Test
    void dryRunAnswersDryRunOperationAndChangesNothing() {
        // when / then
        assertThatThrownBy(() -> ec2.runInstances(launch().dryRun(true).build()))
                .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("DryRunOperation");
                    assertThat(e.statusCode()).isEqualTo(412);
                });
        assertThat(sandbox.instances()).isEmpty();
    }

    @Test
    void instancesAreUnknownInAnotherRegion() {
        // given
        String id = ec2.runInstances(launch().build()).instances().get(0).instanceId();
        clock.advance(Duration.ofSeconds(5));

        // when / then
        try (Ec2Client eu = SandboxClients.ec2NoRetry(sandbox, Region.EU_WEST_1)) {
            assertThatThrownBy(() -> eu.describeInstances(r -> r.instanceIds(id)))
                    .isInstanceOfSatisfying(AwsServiceException.class,
                            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceID.NotFound"));
            assertThat(eu.describeInstances().reservations()).isEmpty();
        }
    }

    @Test
    void describeRegionsListsTheCommercialRegions() {
        // when
        var regions = ec2.describeRegions().regions();

        // then
        assertThat(regions).extracting(r -> r.regionName()).contains("us-east-1", "eu-west-1", "ap-southeast-2")
                .doesNotContain("us-gov-west-1", "cn-north-1", "aws-global");
        assertThat(regions).allSatisfy(r -> assertThat(r.endpoint()).startsWith("ec2."));
    }

    @Test
    void aTerminatedInstanceIsForgottenAfterAnHour() {
        // given
        String id = ec2.runInstances(launch().build()).instances().get(0).instanceId();
        clock.advance(Duration.ofSeconds(20));
        ec2.terminateInstances(r -> r.instanceIds(id));

        // when
        clock.advance(Duration.ofMinutes(59));
        Instance stillListed = describe(id);
        clock.advance(Duration.ofMinutes(2));

        // then
        assertThat(stillListed.state().name()).isEqualTo(InstanceStateName.TERMINATED);
        assertThat(stillListed.stateReason().code()).isEqualTo("Client.UserInitiatedShutdown");
        assertThatThrownBy(() -> describe(id)).isInstanceOfSatisfying(AwsServiceException.class,
                e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceID.NotFound"));
        assertThat(sandbox.instances()).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("terminated"));
    }

    @Test
    void aClientTokenWhoseInstanceWasTerminatedAnswersIdempotentInstanceTerminated() {
        // given
        String id = ec2.runInstances(launch().clientToken("bake-1-launch-0").build()).instances().get(0).instanceId();
        clock.advance(Duration.ofSeconds(20));
        ec2.terminateInstances(r -> r.instanceIds(id));

        // when / then
        assertThatThrownBy(() -> ec2.runInstances(launch().clientToken("bake-1-launch-0").build()))
                .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("IdempotentInstanceTerminated");
                    assertThat(e.statusCode()).isEqualTo(400);
                });
        assertThat(ec2.runInstances(launch().clientToken("bake-1-launch-1").build()).instances()).hasSize(1);
    }

    @Test
    void aCallFailedAfterItsEffectCreatedTheInstanceAnyway() {
        // given
        sandbox.faults().failAfter("RunInstances", null, "InternalError", 1);

        // when
        assertThatThrownBy(() -> ec2.runInstances(launch().clientToken("lost-answer").build()))
                .isInstanceOfSatisfying(AwsServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(500));

        // then the retry with the same token finds the instance the failed call made
        String again = ec2.runInstances(launch().clientToken("lost-answer").build()).instances().get(0).instanceId();
        assertThat(sandbox.instances()).singleElement().satisfies(i -> assertThat(i.instanceId()).isEqualTo(again));
    }
}
