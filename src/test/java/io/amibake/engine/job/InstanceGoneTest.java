package io.amibake.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.SandboxExtension;
import io.amibake.TestRecipes;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.BakeTags;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.sandbox.SandboxInstance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A wait on an instance notices that the instance is gone (issue 21, finding 6: a build instance
 * terminated by a sweep left its bake waiting 15 minutes for the agent, 209 looks, and blaming
 * the instance profile). The instance is terminated the moment the bake enters the agent's wait,
 * so every run is the same: the bake fails at once, says the instance is terminated, and spent
 * a handful of looks, not the agent's 15-minute timeout.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:instancegone",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "spring.batch.jdbc.isolation-level-for-create=read-committed",
        "amibake.poll-min-delay=10ms",
        // short, so that a bake that does not notice fails this test in seconds, on its message
        "amibake.agent-timeout=20s"})
class InstanceGoneTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(0.002);

    @Autowired
    private BakeService runner;

    @TempDir
    Path manifests;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aBuildInstanceTerminatedWhileItsAgentIsAwaitedFailsTheBakeAtOnceSayingSo() throws Exception {
        // given a first bake, so that the agent's wait has an expectation and looks late
        assertThat(bake("gone", null).status()).isEqualTo("COMPLETED");
        long agentLooks = sandbox.stats().count("DescribeInstanceInformation");

        // when the next bake's build instance is terminated as its agent's wait begins
        BakeResult result = bake("gone", "waitForAgent");

        // then
        assertThat(result.status()).isEqualTo("FAILED");
        assertThat(result.error()).contains("waitForAgent").contains("can never come online")
                .containsPattern("the instance is (shutting-down|terminated)").doesNotContain("instance profile");
        // at most its looks across the likely range of one observation (e^(4 x 0.25) wide, 6 looks),
        // its first and last, then one read of the instance: not 209
        assertThat(sandbox.stats().count("DescribeInstanceInformation") - agentLooks).isLessThanOrEqualTo(8);
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void withNothingExpectedTheInstanceIsReadBesideTheAgentAfterASecond() throws Exception {
        // when the first bake of a recipe loses its build instance as its agent's wait begins
        long agentLooks = sandbox.stats().count("DescribeInstanceInformation");
        BakeResult result = bake("gone-first", "waitForAgent");

        // then
        assertThat(result.status()).isEqualTo("FAILED");
        assertThat(result.error()).contains("can never come online").doesNotContain("instance profile");
        // read at its first look past one second: the agent's looks back off from 10 ms by a quarter,
        // so at most 1 + log_1.25(1 s / 10 ms) of them came before
        assertThat(sandbox.stats().count("DescribeInstanceInformation") - agentLooks).isLessThanOrEqualTo(23);
    }

    /** Bakes a one-command recipe; terminates its build instance as {@code step} starts. */
    private BakeResult bake(String name, String step) throws Exception {
        String yaml = TestRecipes.oneRegion(name, "echo baked > /etc/marker", "");
        BakeEvents events = new BakeEvents() {
            @Override
            public void stepStarted(String started) {
                if (started.equals(step)) {
                    terminateBuildInstance(name);
                }
            }

            @Override
            public void stepFinished(String finished, String status, Duration took, String detail) {
            }

            @Override
            public void note(String at, String message) {
            }

            @Override
            public void bakeFinished(long execution, String status, Map<String, Object> summary) {
            }
        };
        return runner.start(BakeRequest.of(yaml, name + ".yaml", Map.of()), Target.endpoint(sandbox.endpoint()),
                manifests.resolve(name + ".json"), events);
    }

    private static void terminateBuildInstance(String recipe) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            SandboxInstance build = sandbox.instances().stream()
                    .filter(i -> recipe.equals(i.tags().get(BakeTags.RECIPE)) && "pending".equals(i.state())
                            || recipe.equals(i.tags().get(BakeTags.RECIPE)) && "running".equals(i.state()))
                    .findFirst().orElseThrow();
            new Ec2Gateway(clients).terminate("us-east-1", build.instanceId());
        }
    }
}
