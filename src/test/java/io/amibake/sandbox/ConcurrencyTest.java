package io.amibake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;

class ConcurrencyTest {

    @Test
    void concurrentRetriesWithOneClientTokenLaunchOneInstance() throws Exception {
        // given
        SandboxClock.Manual clock = SandboxClock.manual(Instant.parse("2026-01-05T10:00:00Z"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withThrottling(false), clock);
                Ec2Client ec2 = SandboxClients.ec2(sandbox, Region.US_EAST_1);
                SsmClient ssm = SandboxClients.ssm(sandbox, Region.US_EAST_1)) {
            String image = ssm.getParameter(r -> r.name(
                    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")).parameter().value();
            Callable<String> launch = () -> ec2.runInstances(r -> r.imageId(image).minCount(1).maxCount(1)
                    .clientToken("bake-7-launch")).instances().get(0).instanceId();

            // when
            List<Future<String>> results = pool.invokeAll(IntStream.range(0, 16).mapToObj(i -> launch).toList());

            // then
            List<String> ids = results.stream().map(f -> {
                try {
                    return f.get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).distinct().toList();
            assertThat(ids).hasSize(1);
            assertThat(sandbox.instances()).hasSize(1);
            assertThat(sandbox.stats().count("RunInstances", "us-east-1", "ok")).isEqualTo(16);
        } finally {
            pool.shutdownNow();
        }
    }
}
