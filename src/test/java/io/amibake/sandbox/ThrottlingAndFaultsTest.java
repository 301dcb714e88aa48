package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ThrottlingAndFaultsTest {

    private static final String AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

    private final SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private Sandbox sandbox;
    private String image;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0), clock);
        try (SsmClient ssm = SandboxClients.ssmNoRetry(sandbox, Region.US_EAST_1)) {
            image = ssm.getParameter(r -> r.name(AL2023)).parameter().value();
        }
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    @Test
    void runInstancesHasABucketOfFiveRefillingTwoPerSecond() {
        // given
        try (Ec2Client ec2 = SandboxClients.ec2NoRetry(sandbox, Region.US_EAST_1)) {
            for (int i = 0; i < 5; i++) {
                ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1));
            }

            // when / then
            assertThatThrownBy(() -> ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1)))
                    .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("RequestLimitExceeded");
                        assertThat(e.statusCode()).isEqualTo(503);
                        assertThat(e.isThrottlingException()).isTrue();
                    });
            clock.advance(Duration.ofMillis(500));
            ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1));
        }
        assertThat(sandbox.stats().count("RunInstances", "us-east-1", "RequestLimitExceeded")).isEqualTo(1);
        assertThat(sandbox.stats().count("RunInstances", "us-east-1", "ok")).isEqualTo(6);
    }

    @Test
    void bucketsArePerRegion() {
        // given
        try (Ec2Client east = SandboxClients.ec2NoRetry(sandbox, Region.US_EAST_1);
                Ec2Client west = SandboxClients.ec2NoRetry(sandbox, Region.EU_WEST_1);
                SsmClient westSsm = SandboxClients.ssmNoRetry(sandbox, Region.EU_WEST_1)) {
            String westImage = westSsm.getParameter(r -> r.name(AL2023)).parameter().value();
            for (int i = 0; i < 5; i++) {
                east.runInstances(r -> r.imageId(image).minCount(1).maxCount(1));
            }

            // when eu-west-1 launches while us-east-1's bucket is empty
            for (int i = 0; i < 5; i++) {
                west.runInstances(r -> r.imageId(westImage).minCount(1).maxCount(1));
            }

            // then eu-west-1 had its own five tokens, no more, and took none of us-east-1's
            assertThatThrownBy(() -> west.runInstances(r -> r.imageId(westImage).minCount(1).maxCount(1)))
                    .isInstanceOfSatisfying(AwsServiceException.class, e ->
                            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("RequestLimitExceeded"));
            assertThatThrownBy(() -> east.runInstances(r -> r.imageId(image).minCount(1).maxCount(1)))
                    .isInstanceOfSatisfying(AwsServiceException.class, e ->
                            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("RequestLimitExceeded"));
        }
        assertThat(sandbox.stats().count("RunInstances", "us-east-1", "ok")).isEqualTo(5);
        assertThat(sandbox.stats().count("RunInstances", "eu-west-1", "ok")).isEqualTo(5);
    }

    @Test
    void drainedBucketsThrottleEveryRegionUntilTheyRefillAtTheirRate() {
        // given every bucket emptied, those of regions not called yet included
        sandbox.drainThrottleBuckets();

        try (Ec2Client west = SandboxClients.ec2NoRetry(sandbox, Region.EU_WEST_1)) {
            // when / then: unfiltered DescribeInstances refills ten tokens a second
            assertThatThrownBy(() -> west.describeInstances())
                    .isInstanceOfSatisfying(AwsServiceException.class, e ->
                            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("RequestLimitExceeded"));
            clock.advance(Duration.ofMillis(100));
            west.describeInstances();
            assertThatThrownBy(() -> west.describeInstances()).isInstanceOf(AwsServiceException.class);
        }
        assertThat(sandbox.stats().count("DescribeInstances", "eu-west-1", "RequestLimitExceeded")).isEqualTo(2);
        assertThat(sandbox.stats().count("DescribeInstances", "eu-west-1", "ok")).isEqualTo(1);
    }

    @Test
    void theSdksStandardRetryStrategyRidesOutThrottling() {
        // given: throttled twice, and the standard strategy makes three attempts
        sandbox.faults().failNext("RunInstances", "us-east-1", "RequestLimitExceeded", 2);

        // when
        try (Ec2Client ec2 = SandboxClients.ec2(sandbox, Region.US_EAST_1)) {
            ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1));
        }

        // then
        assertThat(sandbox.stats().count("RunInstances", "us-east-1", "RequestLimitExceeded")).isEqualTo(2);
        assertThat(sandbox.instances()).hasSize(1);
    }

    @Test
    void ssmThrottlingIsAThrottlingExceptionWithStatus400() {
        // given: the setup took one GetParameter token of 40
        try (SsmClient ssm = SandboxClients.ssmNoRetry(sandbox, Region.US_EAST_1)) {
            for (int i = 0; i < 39; i++) {
                ssm.getParameter(r -> r.name(AL2023));
            }

            // when / then
            assertThatThrownBy(() -> ssm.getParameter(r -> r.name(AL2023)))
                    .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
                        assertThat(e.statusCode()).isEqualTo(400);
                        assertThat(e.isThrottlingException()).isTrue();
                    });
        }
    }

    @Test
    void throttlingCanBeTurnedOff() throws Exception {
        // given
        try (Sandbox open = Sandbox.start(SandboxOptions.defaults().withPort(0).withThrottling(false), clock);
                Ec2Client ec2 = SandboxClients.ec2NoRetry(open, Region.US_EAST_1)) {
            // when
            for (int i = 0; i < 10; i++) {
                ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1));
            }

            // then
            assertThat(open.stats().count("RunInstances")).isEqualTo(10);
        }
    }

    @Test
    void aDroppedConnectionIsRetriedByTheSdk() {
        // given
        sandbox.faults().dropNext("DescribeImages", null, 1);

        // when
        try (Ec2Client ec2 = SandboxClients.ec2(sandbox, Region.US_EAST_1)) {
            assertThat(ec2.describeImages(r -> r.imageIds(image)).images()).hasSize(1);
        }

        // then
        assertThat(sandbox.stats().count("DescribeImages", "us-east-1", "dropped")).isEqualTo(1);
        assertThat(sandbox.stats().count("DescribeImages", "us-east-1", "ok")).isEqualTo(1);
    }

    @Test
    void capacityErrorsAnswerLikeEc2AndOnlyInTheRegionAsked() {
        // given
        sandbox.faults().failNext("RunInstances", "us-east-1", "InsufficientInstanceCapacity", 1);

        // when / then
        try (Ec2Client ec2 = SandboxClients.ec2NoRetry(sandbox, Region.US_EAST_1)) {
            assertThatThrownBy(() -> ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1)))
                    .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InsufficientInstanceCapacity");
                        assertThat(e.statusCode()).isEqualTo(500);
                    });
            ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1));
        }
        assertThat(sandbox.stats().byOutcome()).containsEntry("InsufficientInstanceCapacity", 1L);
    }

    @Test
    void faultsAreClearedAndSsmOperationsCanFailToo() {
        // given
        sandbox.faults().failNext("GetParameter", null, "InternalServerError", 1);
        sandbox.faults().failNext("RunInstances", null, "Unavailable", 3);

        // when
        sandbox.faults().clear();

        // then
        try (SsmClient ssm = SandboxClients.ssmNoRetry(sandbox, Region.US_EAST_1)) {
            assertThat(ssm.getParameter(r -> r.name(AL2023)).parameter().value()).isEqualTo(image);
            sandbox.faults().failNext("GetParameter", null, "InternalServerError", 1);
            assertThatThrownBy(() -> ssm.getParameter(r -> r.name(AL2023)))
                    .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InternalServerError");
                        assertThat(e.statusCode()).isEqualTo(500);
                    });
        }
    }

    @Test
    void theAdminApiServesStatsResourcesAndFaults() throws Exception {
        // given
        HttpClient http = HttpClient.newHttpClient();
        URI base = sandbox.endpoint().resolve("/_sandbox/");
        JsonMapper json = JsonMapper.builder().build();
        HttpResponse<String> armed = http.send(HttpRequest.newBuilder(base.resolve("faults"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"fault\":\"failNext\",\"operation\":\"RunInstances\","
                        + "\"region\":\"us-east-1\",\"errorCode\":\"InsufficientInstanceCapacity\",\"times\":1}"))
                .build(), HttpResponse.BodyHandlers.ofString());

        // when
        try (Ec2Client ec2 = SandboxClients.ec2NoRetry(sandbox, Region.US_EAST_1)) {
            assertThatThrownBy(() -> ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1)))
                    .isInstanceOf(AwsServiceException.class);
            ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1));
        }
        JsonNode stats = json.readTree(get(http, base.resolve("stats")));
        JsonNode instances = json.readTree(get(http, base.resolve("instances")));
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(base.resolve("faults"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"fault\":\"nonsense\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> cleared = http.send(HttpRequest.newBuilder(base.resolve("faults")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());

        // then
        assertThat(armed.statusCode()).isEqualTo(200);
        assertThat(stats.path("byOperation").path("RunInstances").asLong()).isEqualTo(2);
        assertThat(stats.path("byOutcome").path("InsufficientInstanceCapacity").asLong()).isEqualTo(1);
        assertThat(stats.path("live").path("instances").asInt()).isEqualTo(1);
        assertThat(instances.get(0).path("instanceId").asString()).startsWith("i-");
        assertThat(instances.get(0).path("launchedAt").asString()).isEqualTo("2026-01-05T10:00:00Z");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(cleared.statusCode()).isEqualTo(200);
        assertThat(get(http, base.resolve("images"))).isEqualTo("[]");
        assertThat(get(http, base.resolve("commands"))).isEqualTo("[]");
    }

    private static String get(HttpClient http, URI uri) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    @Test
    void requestsSignedForAnUnknownRegionAreRefused() {
        // when / then
        try (Ec2Client ec2 = SandboxClients.ec2NoRetry(sandbox, Region.of("xx-nowhere-1"))) {
            assertThatThrownBy(ec2::describeRegions).isInstanceOfSatisfying(AwsServiceException.class,
                    e -> assertThat(e.statusCode()).as(e.toString()).isEqualTo(401));
        }
    }
}
