package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.RealMachines;
import io.amibake.SandboxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InstanceInformationStringFilter;
import software.amazon.awssdk.services.ssm.model.PingStatus;

/**
 * The sandbox's real machines through the AWS SDK, without a bake: what EC2 and SSM do to a
 * Debian instance happens to a real container (docs/sandbox.md, "Real machines").
 */
@Timeout(600)
class RealMachinesTest {

    private static final String DEBIAN = "/aws/service/debian/release/12/latest/amd64";

    @RegisterExtension
    static final RealMachines machines = new RealMachines();

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.01,
            o -> o.withMachines(MachineOptions.of("debian")));

    private Ec2Client ec2;
    private SsmClient ssm;

    @BeforeEach
    void clients() {
        ec2 = SandboxClients.ec2(sandbox.sandbox(), Region.US_EAST_1);
        ssm = SandboxClients.ssm(sandbox.sandbox(), Region.US_EAST_1);
    }

    @AfterEach
    void close() {
        ec2.close();
        ssm.close();
    }

    @Test
    void aCommandRunsForRealAsRootWithItsExitCodeAndOutputCappedAsSsmCapsThem() {
        // given
        String instance = onlineInstance(ec2, ssm, image(ssm), "terminate");

        // when
        String command = send(ssm, instance,
                "#!/bin/bash",
                "echo \"home=${HOME:-unset} instance=$AWS_SSM_INSTANCE_ID user=$(id -un)\"",
                "cat /etc/debian_version",
                "seq 1 30000",
                "seq 1 3000 >&2",
                "exit 3");
        GetCommandInvocationResponse result = awaitCommand(ssm, command, instance);

        // then: the agent's environment (no HOME), the real system's files, SSM's caps
        assertThat(result.statusAsString()).isEqualTo("Failed");
        assertThat(result.responseCode()).isEqualTo(3);
        assertThat(result.standardOutputContent()).startsWith("home=unset instance=" + instance + " user=root\n12.")
                .hasSize(SsmCommands.STDOUT_LIMIT);
        assertThat(result.standardErrorContent()).startsWith("1\n2\n3\n").hasSize(SsmCommands.STDERR_LIMIT);

        // when the machine powers itself off
        send(ssm, instance, "systemctl poweroff");

        // then it was launched to terminate on shutdown: it is gone, container and disk
        awaitState(ec2, instance, InstanceStateName.TERMINATED);
        assertThat(sandbox.sandbox().machines().containers()).isEmpty();
        assertThat(sandbox.sandbox().machines().writableLayer(instance)).doesNotExist();
    }

    @Test
    void anImageIsTheInstancesDiskItsInstancesBootFromItAndCopiesShareIt() throws Exception {
        // given an instance that changed its disk, also deleting a file of the base image
        SandboxMachines real = sandbox.sandbox().machines();
        assertThat(real.baseImage().resolve("etc/motd")).exists();
        String builder = onlineInstance(ec2, ssm, image(ssm), "stop");
        assertThat(awaitCommand(ssm, send(ssm, builder, "echo baked > /etc/amibake-test", "rm /etc/motd"), builder)
                .statusAsString()).isEqualTo("Success");

        // when it is stopped
        ec2.stopInstances(r -> r.instanceIds(builder));
        awaitState(ec2, builder, InstanceStateName.STOPPED);

        // then its container has shut down, its disk is kept
        assertThat(real.containers()).isEmpty();
        assertThat(real.writableLayer(builder).resolve("etc/amibake-test")).exists();

        // when an image is made of it
        String imageId = ec2.createImage(r -> r.instanceId(builder).name("real-machines-test")).imageId();
        awaitImage(ec2, imageId);

        // then the image's files are the instance's disk on its base
        SandboxMachines.ImageFiles files = real.image(imageId);
        assertThat(files.read("/etc/amibake-test")).contains("baked\n");
        assertThat(files.exists("/etc/motd")).isFalse();
        assertThat(files.exists("/etc/debian_version")).isTrue();

        // when the image is copied and launched in the copy's region
        try (Ec2Client west = SandboxClients.ec2(sandbox.sandbox(), Region.EU_WEST_1);
             SsmClient westSsm = SandboxClients.ssm(sandbox.sandbox(), Region.EU_WEST_1)) {
            String copy = west.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(imageId).name("real-copy"))
                    .imageId();
            awaitImage(west, copy);
            String fromCopy = onlineInstance(west, westSsm, copy, "stop");
            GetCommandInvocationResponse seen = awaitCommand(westSsm, send(westSsm, fromCopy,
                    "cat /etc/amibake-test", "test ! -e /etc/motd && echo motd-gone"), fromCopy);

            // then it boots from the same layers
            assertThat(seen.standardOutputContent()).isEqualTo("baked\nmotd-gone\n");
            assertThat(real.image(copy).read("/etc/amibake-test")).contains("baked\n");
            west.terminateInstances(r -> r.instanceIds(fromCopy));
            awaitState(west, fromCopy, InstanceStateName.TERMINATED);
        }

        // when the stopped instance starts again, then its own disk is back
        ec2.startInstances(r -> r.instanceIds(builder));
        awaitOnline(ssm, builder);
        assertThat(awaitCommand(ssm, send(ssm, builder, "cat /etc/amibake-test"), builder).standardOutputContent())
                .isEqualTo("baked\n");

        // when it is terminated, then its container and its disk are gone; the image's layers stay
        ec2.terminateInstances(r -> r.instanceIds(builder));
        awaitState(ec2, builder, InstanceStateName.TERMINATED);
        assertThat(real.containers()).isEmpty();
        assertThat(real.writableLayer(builder)).doesNotExist();
        assertThat(files.read("/etc/amibake-test")).contains("baked\n");
    }

    // ---- helpers, shared with the other real-machine tests of this package

    static String image(SsmClient ssm) {
        return ssm.getParameter(r -> r.name(DEBIAN)).parameter().value();
    }

    static String onlineInstance(Ec2Client ec2, SsmClient ssm, String image, String shutdownBehavior) {
        String id = ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1).instanceType("t3.micro")
                .iamInstanceProfile(p -> p.name("amibake-build")).instanceInitiatedShutdownBehavior(shutdownBehavior))
                .instances().get(0).instanceId();
        awaitOnline(ssm, id);
        return id;
    }

    static void awaitOnline(SsmClient ssm, String instance) {
        await("the agent of " + instance + " online", Duration.ofMinutes(4), () -> {
            try {
                return ssm.describeInstanceInformation(r -> r.filters(InstanceInformationStringFilter.builder()
                        .key("InstanceIds").values(instance).build())).instanceInformationList().stream()
                        .anyMatch(i -> i.pingStatus() == PingStatus.ONLINE);
            } catch (AwsServiceException notRegisteredYet) {
                return false;
            }
        });
    }

    static String send(SsmClient ssm, String instance, String... lines) {
        return ssm.sendCommand(r -> r.instanceIds(instance).documentName("AWS-RunShellScript")
                .parameters(Map.of("commands", List.of(lines)))).command().commandId();
    }

    static GetCommandInvocationResponse awaitCommand(SsmClient ssm, String command, String instance) {
        GetCommandInvocationResponse[] last = new GetCommandInvocationResponse[1];
        await("command " + command + " to end", Duration.ofMinutes(4), () -> {
            try {
                last[0] = ssm.getCommandInvocation(r -> r.commandId(command).instanceId(instance));
            } catch (AwsServiceException notVisibleYet) {
                return false;
            }
            return !Set.of("Pending", "InProgress", "Delayed").contains(last[0].statusAsString());
        });
        return last[0];
    }

    static void awaitState(Ec2Client ec2, String instance, InstanceStateName state) {
        await(instance + " " + state, Duration.ofMinutes(3), () -> ec2.describeInstances(r -> r.instanceIds(instance))
                .reservations().get(0).instances().get(0).state().name() == state);
    }

    static void awaitImage(Ec2Client ec2, String imageId) {
        await(imageId + " available", Duration.ofMinutes(3), () -> {
            try {
                List<Image> images = ec2.describeImages(r -> r.imageIds(imageId)).images();
                return !images.isEmpty() && images.get(0).stateAsString().equals("available");
            } catch (AwsServiceException notVisibleYet) {
                return false;
            }
        });
    }

    /** Polls a real machine's state (nothing signals it) every 200 ms, failing with {@code what} at the deadline. */
    static void await(String what, Duration deadline, Supplier<Boolean> done) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!done.get()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waited " + deadline.toSeconds() + " s for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
    }
}
