package io.amibake.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.amibake.SandboxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The EC2 gateway against the sandbox over HTTP: how failures of calls that create something surface. */
class Ec2GatewayTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    private AwsClients clients;
    private Ec2Gateway ec2;

    @BeforeEach
    void connect() {
        clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()));
        ec2 = new Ec2Gateway(clients);
    }

    @AfterEach
    void close() {
        sandbox.faults().clear();
        clients.close();
    }

    @Test
    void aServerErrorOnCreateImageIsNotResentBlindlyAndNamesStatusCodeAndRequestId() throws Exception {
        // given a running instance, and a CreateImage that takes effect but answers HTTP 500
        String image = new SsmGateway(clients).parameter("us-east-1",
                "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        String instance = ec2.launch("us-east-1", new LaunchRequest(image, "/dev/xvda", "t3.micro", null, List.of(),
                null, 0, Map.of("amibake:bake", "gw"), "gw-launch-0")).id();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!ec2.describeInstances("us-east-1", List.of(instance)).values().stream().allMatch(Instance::isRunning)) {
            assertThat(System.nanoTime()).as("instance %s running within 60 s", instance).isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        sandbox.faults().failAfter("CreateImage", "us-east-1", "InternalError", 1);

        // when / then
        assertThatThrownBy(() -> ec2.createImage("us-east-1", instance, "gw-image", "d", Map.of("amibake:bake", "gw")))
                .isInstanceOfSatisfying(CloudException.class, e -> {
                    assertThat(e.isServerError()).as(e.getMessage() + " / " + e.getCause()).isTrue();
                    assertThat(e.getMessage()).contains("InternalError").contains("HTTP 500")
                            .containsPattern("request id [0-9a-f-]{36}");
                });
        assertThat(sandbox.stats().count("CreateImage", "us-east-1", "InternalError")).isEqualTo(1);
        assertThat(sandbox.stats().count("CreateImage", "us-east-1", "InvalidAMIName.Duplicate")).isZero();
    }

    @Test
    void oneIdEc2DoesNotKnowYetCostsOneMoreLookNotOneLookPerId() {
        // given an image and an instance EC2 knows, and ids it does not (yet: just made, as a
        // copy or a launch seen by a look that many waits share)
        String image = new SsmGateway(clients).parameter("us-east-1",
                "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        String instance = ec2.launch("us-east-1", new LaunchRequest(image, "/dev/xvda", "t3.micro", null, List.of(),
                null, 0, Map.of("amibake:bake", "gw"), "gw-ids-0")).id();
        long images = sandbox.stats().count("DescribeImages");
        long instances = sandbox.stats().count("DescribeInstances");

        // when
        Map<String, Image> imagesFound = ec2.describeImages("us-east-1",
                List.of(image, "ami-0123456789abcdef0", "ami-0fedcba9876543210"));
        Map<String, Instance> instancesFound = ec2.describeInstances("us-east-1",
                List.of(instance, "i-0123456789abcdef0", "i-0fedcba9876543210"));

        // then the known ones answer, in two requests each: the one that failed, and one by filter
        assertThat(imagesFound).containsOnlyKeys(image);
        assertThat(instancesFound).containsOnlyKeys(instance);
        assertThat(sandbox.stats().count("DescribeImages") - images).isEqualTo(2);
        assertThat(sandbox.stats().count("DescribeInstances") - instances).isEqualTo(2);
    }
}
