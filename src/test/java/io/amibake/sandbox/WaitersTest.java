package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.retry.backoff.FixedDelayBackoffStrategy;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeImagesResponse;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.ImageState;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.waiters.Ec2Waiter;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.waiters.SsmWaiter;

/**
 * The SDK's own waiters against the latency profile, on a clock running 1000 times faster than
 * real time: the waiters poll every 20 ms and give up only after many attempts.
 */
class WaitersTest {

    private static final WaiterOverrideConfiguration PATIENT = WaiterOverrideConfiguration.builder()
            .maxAttempts(500).backoffStrategy(FixedDelayBackoffStrategy.create(Duration.ofMillis(20))).build();

    private Sandbox sandbox;
    private Ec2Client ec2;
    private SsmClient ssm;
    private Ec2Waiter ec2Waiter;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(0.001));
        ec2 = SandboxClients.ec2(sandbox, Region.US_EAST_1);
        ssm = SandboxClients.ssm(sandbox, Region.US_EAST_1);
        ec2Waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(PATIENT).build();
    }

    @AfterEach
    void stop() {
        ec2Waiter.close();
        ec2.close();
        ssm.close();
        sandbox.close();
    }

    private String runningInstance() {
        String image = ssm.getParameter(r -> r.name("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"))
                .parameter().value();
        String id = ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1)
                .iamInstanceProfile(p -> p.name("amibake-build"))).instances().get(0).instanceId();
        WaiterResponse<DescribeInstancesResponse> running = ec2Waiter.waitUntilInstanceRunning(r -> r.instanceIds(id));
        assertThat(running.matched().response()).isPresent();
        return id;
    }

    @Test
    void instanceStoppedWaiterCompletes() {
        // given
        String id = runningInstance();

        // when
        ec2.stopInstances(r -> r.instanceIds(id));
        WaiterResponse<DescribeInstancesResponse> stopped = ec2Waiter.waitUntilInstanceStopped(r -> r.instanceIds(id));

        // then
        assertThat(stopped.matched().response().orElseThrow().reservations().get(0).instances().get(0).state().name())
                .isEqualTo(InstanceStateName.STOPPED);
    }

    @Test
    void imageAvailableWaiterCompletes() {
        // given
        String id = runningInstance();

        // when
        String imageId = ec2.createImage(r -> r.instanceId(id).name("waiter-image")).imageId();
        // ImageAvailable does not retry a new image's NotFound; ImageExists does (eventual consistency).
        ec2Waiter.waitUntilImageExists(r -> r.imageIds(imageId));
        WaiterResponse<DescribeImagesResponse> available = ec2Waiter.waitUntilImageAvailable(r -> r.imageIds(imageId));

        // then
        assertThat(available.matched().response().orElseThrow().images().get(0).state()).isEqualTo(ImageState.AVAILABLE);
        assertThat(available.attemptsExecuted()).isGreaterThan(1);
    }

    @Test
    void imageAvailableWaiterStopsOnAFailedImage() {
        // given
        String id = runningInstance();
        sandbox.faults().failNextImage("us-east-1");

        // when
        String imageId = ec2.createImage(r -> r.instanceId(id).name("doomed-image").noReboot(true)).imageId();
        // A new image may be unknown to DescribeImages for a moment, which ImageAvailable does not
        // accept: as against AWS, wait for it to exist first.
        ec2Waiter.waitUntilImageExists(r -> r.imageIds(imageId));

        // then
        assertThatThrownBy(() -> ec2Waiter.waitUntilImageAvailable(r -> r.imageIds(imageId)))
                .hasMessageContaining("Images[].State=failed");
        assertThat(sandbox.images()).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("failed"));
    }

    @Test
    void commandExecutedWaiterCompletesOnceTheAgentIsOnline() {
        // given
        String id = runningInstance();
        // the agent registers 30 sandbox seconds after running: 30 ms of real time here
        await(() -> !ssm.describeInstanceInformation().instanceInformationList().isEmpty());

        // when
        String command = ssm.sendCommand(r -> r.instanceIds(id).documentName("AWS-RunShellScript")
                .parameters(Map.of("commands", List.of("dnf install -y httpd")))).command().commandId();
        try (SsmWaiter waiter = SsmWaiter.builder().client(ssm).overrideConfiguration(PATIENT).build()) {
            WaiterResponse<GetCommandInvocationResponse> done = waiter.waitUntilCommandExecuted(
                    r -> r.commandId(command).instanceId(id));

            // then
            assertThat(done.matched().response().orElseThrow().status()).isEqualTo(CommandInvocationStatus.SUCCESS);
        }
    }

    /** Waits for the condition, which sandbox time brings about, with a bound far above the time it takes. */
    private static void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("the SSM agent registered within 60 s (30 sandbox seconds)")
                    .isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }
}
