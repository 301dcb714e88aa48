package io.amibake.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Clients built ahead of need: nothing is sent, and closing leaves no builder running. */
class AwsClientsTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.01);

    private static final List<String> REGIONS = List.of("us-east-1", "us-east-2", "us-west-1", "eu-west-1");

    /** Closing while the builder is mid-way (it builds the first region's client first) waits for it. */
    @Test
    void preparingClientsSendsNothingAndCloseWaitsForTheBuilder() {
        // given
        long before = total();
        AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()));

        // when
        clients.prepare(REGIONS);
        clients.prepare(REGIONS);
        clients.ec2("us-east-1");
        clients.close();

        // then
        assertThat(total()).isEqualTo(before);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("amibake-aws-clients"));
    }

    @Test
    void aPreparedRegionsClientWorksAsOne() {
        // given
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            clients.prepare(REGIONS);

            long before = sandbox.stats().count("DescribeImages", "eu-west-1");

            // when
            var images = new Ec2Gateway(clients).describeImages("eu-west-1", List.of("ami-00000000000000000"));

            // then
            assertThat(images).doesNotContainKey("ami-00000000000000000");
            assertThat(sandbox.stats().count("DescribeImages", "eu-west-1")).isEqualTo(before + 1);
        }
    }

    /** The SDK would give each client a timer pool of its own; a bake's clients share two threads. */
    @Test
    @Timeout(60)
    void clientsOfManyRegionsShareTwoTimerThreadsThatEndOnClose() throws InterruptedException {
        // given
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()));

        // when
        for (String region : REGIONS) {
            new Ec2Gateway(clients).describeImages(region, List.of("ami-00000000000000000"));
            clients.ssm(region).describeInstanceInformation();
        }
        List<Thread> started = Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t)).toList();
        clients.close();

        // then
        assertThat(started).noneMatch(t -> t.getName().startsWith("sdk-ScheduledExecutor"));
        List<Thread> timers = started.stream().filter(t -> t.getName().equals("amibake-aws-timer")).toList();
        assertThat(timers).hasSizeBetween(1, 2);
        for (Thread timer : timers) {
            timer.join(10_000);
            assertThat(timer.isAlive()).as("a timer thread still runs 10 s after close").isFalse();
        }
    }

    private static long total() {
        return sandbox.stats().byOperation().values().stream().mapToLong(Long::longValue).sum();
    }
}
