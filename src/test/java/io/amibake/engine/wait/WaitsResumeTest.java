package io.amibake.engine.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.Ec2Gateway;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A resume looks at once at what an earlier run started, whatever it expects of it. */
class WaitsResumeTest {

    private static final String REGION = "us-east-1";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aResumeLooksAtOnceAtAnImageAnEarlierRunCreated() throws Exception {
        // given an image created by an earlier run and available by now, in a sandbox whose clock stands still
        SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-01T00:00:00Z"));
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0), clock);
             AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            Ec2Gateway ec2 = new Ec2Gateway(clients);
            String source = ec2.newestImage(REGION, List.of("amazon"), "al2023-ami-*", "x86_64").orElseThrow().id();
            String instance = ec2.launch(REGION, new LaunchRequest(source, "/dev/xvda", "t3.micro", null, List.of(),
                    null, 0, Map.of(), "resume-test")).id();
            clock.advance(Duration.ofMinutes(5));
            String image = ec2.createImage(REGION, instance, "resumed", "resumed", Map.of());
            clock.advance(Duration.ofMinutes(30));
            // and a history that says images take an hour, with delays allowed up to an hour
            Expectations hourLong = new Expectations(Map.of("IMAGE_AVAILABLE@" + REGION, Observed.exactly(3_600_000L)));
            Waits waits = new Waits(ec2, new SsmGateway(clients), hourLong,
                    new PollPlan(Duration.ofMillis(50), Duration.ofHours(1), 0.25, 6), new StopSignal());
            long before = sandbox.stats().count("DescribeImages");

            // when this run waits for it without having started it
            var available = waits.image(REGION, image, WaitKind.IMAGE_AVAILABLE, null, false, Duration.ofHours(2));

            // then one look found it, and nothing was learned from a wait whose start is unknown
            assertThat(available.isAvailable()).isTrue();
            assertThat(sandbox.stats().count("DescribeImages") - before).isEqualTo(1);
            assertThat(hourLong.snapshot().get("IMAGE_AVAILABLE@" + REGION)).containsExactlyElementsOf(Observed.exactly(3_600_000L));
        }
    }
}
