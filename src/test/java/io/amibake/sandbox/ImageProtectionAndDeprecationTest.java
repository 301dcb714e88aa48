package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ssm.SsmClient;

/** Deregistration protection, deprecation and IMDS support, as the EC2 API describes them. */
class ImageProtectionAndDeprecationTest {

    private final SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
    private Sandbox sandbox;
    private Ec2Client ec2;
    private String imageId;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withThrottling(false), clock);
        ec2 = SandboxClients.ec2NoRetry(sandbox, Region.US_EAST_1);
        String base;
        try (SsmClient ssm = SandboxClients.ssm(sandbox, Region.US_EAST_1)) {
            base = ssm.getParameter(r -> r.name(PublicImages.AL2023_X86)).parameter().value();
        }
        String instance = ec2.runInstances(r -> r.imageId(base).instanceType("t3.micro").minCount(1).maxCount(1))
                .instances().get(0).instanceId();
        clock.advance(Duration.ofMinutes(1));
        imageId = ec2.createImage(r -> r.instanceId(instance).name("web-1")).imageId();
        clock.advance(Duration.ofMinutes(30));
    }

    @AfterEach
    void stop() {
        ec2.close();
        sandbox.close();
    }

    @Test
    void aProtectedImageRefusesDeregistrationUntilTheProtectionIsOff() {
        // given
        ec2.enableImageDeregistrationProtection(r -> r.imageId(imageId));

        // when, then
        assertThat(describe().deregistrationProtection()).isEqualTo("enabled-without-cooldown");
        assertThatThrownBy(() -> ec2.deregisterImage(r -> r.imageId(imageId)))
                .isInstanceOfSatisfying(Ec2Exception.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("OperationNotPermitted"));
        ec2.disableImageDeregistrationProtection(r -> r.imageId(imageId));
        ec2.deregisterImage(r -> r.imageId(imageId));
    }

    @Test
    void aDeprecatedImageIsListedOnlyWhenAskedForOrNamedById() {
        // given
        Instant at = clock.now().plus(Duration.ofHours(1));
        ec2.enableImageDeprecation(r -> r.imageId(imageId).deprecateAt(at));

        // when
        List<String> before = ownImages(false);
        clock.advance(Duration.ofHours(2));

        // then
        assertThat(before).contains(imageId);
        assertThat(ownImages(false)).doesNotContain(imageId);
        assertThat(ownImages(true)).contains(imageId);
        assertThat(Instant.parse(describe().deprecationTime())).isEqualTo(at);
    }

    @Test
    void imdsSupportIsSetThroughModifyImageAttribute() {
        // when
        ec2.modifyImageAttribute(r -> r.imageId(imageId).imdsSupport(v -> v.value("v2.0")));

        // then
        assertThat(describe().imdsSupportAsString()).isEqualTo("v2.0");
    }

    private Image describe() {
        return ec2.describeImages(r -> r.imageIds(imageId)).images().get(0);
    }

    private List<String> ownImages(boolean includeDeprecated) {
        return ec2.describeImages(r -> r.owners("self").includeDeprecated(includeDeprecated)).images().stream()
                .map(Image::imageId).toList();
    }
}
