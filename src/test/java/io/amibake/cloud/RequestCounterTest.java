package io.amibake.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Requests are counted per attempt; the SDK's retries are told apart, for the report. */
class RequestCounterTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @Test
    void throttledAttemptsCountAsRequestsAndAsRetries() {
        // given
        sandbox.faults().failNext("DescribeRegions", null, "RequestLimitExceeded", 2);

        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            // when
            clients.ec2("us-east-1").describeRegions();
            clients.ec2("us-east-1").describeRegions();

            // then
            assertThat(clients.requests().snapshot()).containsEntry("DescribeRegions", 4L);
            assertThat(clients.requests().retries()).containsExactly(java.util.Map.entry("DescribeRegions", 2L));
        }
    }
}
