package io.amibake.bake.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.aws.AwsClients;
import io.amibake.aws.AwsSettings;
import io.amibake.aws.Ec2Gateway;
import io.amibake.aws.Image;
import io.amibake.aws.LaunchRequest;
import io.amibake.aws.SsmGateway;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxClock;
import io.amibake.sandbox.SandboxOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bakes of one process on one account wait on their images in a region with one DescribeImages per look. */
class WaitsSharedAcrossBakesTest {

    private static final String REGION = "us-east-1";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoBakesWaitingInOneRegionShareALookAndOnlyTheSenderCountsIt() throws Exception {
        // given two images, both available by the first look, in a sandbox whose clock stands still
        SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-01T00:00:00Z"));
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0), clock);
             AwsClients first = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()));
             AwsClients second = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            Ec2Gateway setup = new Ec2Gateway(first);
            String source = setup.newestImage(REGION, List.of("amazon"), "al2023-ami-*", "x86_64").orElseThrow().id();
            String instance = setup.launch(REGION, new LaunchRequest(source, "/dev/xvda", "t3.micro", null, List.of(),
                    null, 0, Map.of(), "shared-test")).id();
            clock.advance(Duration.ofMinutes(5));
            String imageA = setup.createImage(REGION, instance, "shared-a", "a", Map.of());
            String imageB = setup.createImage(REGION, instance, "shared-b", "b", Map.of());
            clock.advance(Duration.ofMinutes(30));
            // and two bakes, each with its own clients, on the process's pollers, whose first look is a second away
            SharedPollers process = new SharedPollers();
            Waits bakeA = waits(first, process, "sandbox");
            Waits bakeB = waits(second, process, "sandbox");
            bakeA.started(imageA);
            bakeB.started(imageB);
            long before = sandbox.stats().count("DescribeImages");
            long sentBefore = first.requests().snapshot().getOrDefault("DescribeImages", 0L)
                    + second.requests().snapshot().getOrDefault("DescribeImages", 0L);

            // when both wait at once
            CompletableFuture<Image> a = CompletableFuture.supplyAsync(() -> await(bakeA, imageA));
            CompletableFuture<Image> b = CompletableFuture.supplyAsync(() -> await(bakeB, imageB));

            // then one DescribeImages answered both, counted on the one bake that sent it
            assertThat(a.get().isAvailable()).isTrue();
            assertThat(b.get().isAvailable()).isTrue();
            assertThat(sandbox.stats().count("DescribeImages") - before).isEqualTo(1);
            long sent = first.requests().snapshot().getOrDefault("DescribeImages", 0L)
                    + second.requests().snapshot().getOrDefault("DescribeImages", 0L);
            assertThat(sent - sentBefore).isEqualTo(1);
        }
    }

    private static Waits waits(AwsClients clients, SharedPollers process, String account) {
        Expectations twoSeconds = new Expectations(Map.of("IMAGE_AVAILABLE@" + REGION, List.of(2_000L)));
        return new Waits(new Ec2Gateway(clients), new SsmGateway(clients), twoSeconds,
                new PollPlan(Duration.ofSeconds(1), Duration.ofSeconds(5), 0.25, 6), new StopSignal(),
                process, account);
    }

    private static Image await(Waits waits, String image) {
        try {
            return waits.image(REGION, image, WaitKind.IMAGE_AVAILABLE, null, false, Duration.ofMinutes(1));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
