package io.amibake.engine.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.CommandResult;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.Image;
import io.amibake.cloud.Instance;
import io.amibake.cloud.LaunchRequest;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.store.Observed;
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

/**
 * Bakes of one process on one account share their looks in a region: one DescribeImages for
 * their images, one DescribeInstances for their instances, one ListCommandInvocations for their
 * commands (and a GetCommandInvocation per command only once it ended, for its output), counted
 * by operation in the sandbox's stats.
 */
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

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoBakesWaitingOnTheirInstancesInOneRegionShareOneDescribeInstances() throws Exception {
        // given two instances stopped a minute ago, in a sandbox whose clock stands still
        SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-01T00:00:00Z"));
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0), clock);
             AwsClients first = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()));
             AwsClients second = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            String a = launch(first, "a");
            String b = launch(second, "b");
            clock.advance(Duration.ofMinutes(5));
            new Ec2Gateway(first).stop(REGION, a);
            new Ec2Gateway(second).stop(REGION, b);
            clock.advance(Duration.ofMinutes(1));
            SharedPollers process = new SharedPollers();
            Waits bakeA = waits(first, process, "sandbox");
            Waits bakeB = waits(second, process, "sandbox");
            long before = sandbox.stats().count("DescribeInstances");

            // when both wait at once
            CompletableFuture<Instance> stoppedA = CompletableFuture.supplyAsync(() -> stopped(bakeA, a));
            CompletableFuture<Instance> stoppedB = CompletableFuture.supplyAsync(() -> stopped(bakeB, b));

            // then one DescribeInstances answered both
            assertThat(stoppedA.get().isStopped()).isTrue();
            assertThat(stoppedB.get().isStopped()).isTrue();
            assertThat(sandbox.stats().count("DescribeInstances") - before).isEqualTo(1);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoBakesCommandsInOneRegionAreListedTogetherAndEachReadWholeOnceItEnded() throws Exception {
        // given two bakes, each with a command running on its instance, in a sandbox whose clock stands still
        SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-01T00:00:00Z"));
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0), clock);
             AwsClients first = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()));
             AwsClients second = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            String a = launch(first, "a");
            String b = launch(second, "b");
            clock.advance(Duration.ofMinutes(5));
            SharedPollers process = new SharedPollers();
            Waits bakeA = waits(first, process, "sandbox");
            Waits bakeB = waits(second, process, "sandbox");
            String commandA = new SsmGateway(first).sendShell(REGION, a, List.of("echo one"), Duration.ofMinutes(5), "a");
            String commandB = new SsmGateway(second).sendShell(REGION, b, List.of("echo two"), Duration.ofMinutes(5), "b");
            bakeA.sent(REGION, commandA);
            bakeB.sent(REGION, commandB);

            // when both wait, and the commands end once a look saw them running
            CompletableFuture<CommandResult> resultA = CompletableFuture.supplyAsync(() -> command(bakeA, commandA, a));
            CompletableFuture<CommandResult> resultB = CompletableFuture.supplyAsync(() -> command(bakeB, commandB, b));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sandbox.stats().count("ListCommandInvocations") == 0) {
                assertThat(System.nanoTime()).as("no look listed the commands within 30 s").isLessThan(deadline);
                Thread.onSpinWait();
            }
            clock.advance(Duration.ofMinutes(1));

            // then the listing told both apart, and each was read whole once, for its output
            assertThat(resultA.get().isSuccess()).isTrue();
            assertThat(resultA.get().stdout()).contains("one");
            assertThat(resultB.get().stdout()).contains("two");
            assertThat(sandbox.stats().count("GetCommandInvocation")).isEqualTo(2);
            assertThat(sandbox.stats().count("ListCommandInvocations")).isGreaterThanOrEqualTo(1);
        }
    }

    private static String launch(AwsClients clients, String name) {
        Ec2Gateway ec2 = new Ec2Gateway(clients);
        String source = ec2.newestImage(REGION, List.of("amazon"), "al2023-ami-*", "x86_64").orElseThrow().id();
        return ec2.launch(REGION, new LaunchRequest(source, "/dev/xvda", "t3.micro", null, List.of(),
                "AmazonSSMRoleForInstancesQuickSetup", 0, Map.of(), "shared-" + name)).id();
    }

    private static Instance stopped(Waits waits, String instance) {
        try {
            return waits.instance(REGION, instance, WaitKind.INSTANCE_STOPPED, Instance::isStopped, false,
                    Duration.ofMinutes(1));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static CommandResult command(Waits waits, String command, String instance) {
        try {
            return waits.command(REGION, command, instance, "provision:echo", Duration.ofMinutes(1));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Waits waits(AwsClients clients, SharedPollers process, String account) {
        Expectations twoSeconds = new Expectations(Map.of("IMAGE_AVAILABLE@" + REGION, Observed.exactly(2_000L),
                "INSTANCE_STOPPED@" + REGION, Observed.exactly(2_000L), "COMMAND@provision:echo@" + REGION,
                Observed.exactly(2_000L)));
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
