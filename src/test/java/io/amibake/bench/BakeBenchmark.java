package io.amibake.bench;

import io.amibake.aws.AwsClients;
import io.amibake.aws.AwsSettings;
import io.amibake.aws.Ec2Gateway;
import io.amibake.aws.SsmGateway;
import io.amibake.bake.BakeConfiguration;
import io.amibake.bake.BakeEvents;
import io.amibake.bake.BakeRequest;
import io.amibake.bake.BakeResult;
import io.amibake.bake.BakeRunner;
import io.amibake.recipe.RecipeLoader;
import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.sandbox.SandboxStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Measures an 8-region bake against the critical path of the sandbox's latency profile, and
 * counts its requests, next to Packer's figures against an emulator with a 26-second critical
 * path (docs/bake.md): 2.98 times the path with 82 requests (38 DescribeImages) at its default
 * 15-second polls, 1.23 times with 168 requests when polling every second.
 *
 * <p>Run with {@code mvn -B test -Pbench}. It prints ratios measured in this one run and asserts
 * nothing about time: the machines are shared and noisy.
 */
@SpringBootTest(classes = BakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:benchmark",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "logging.level.root=WARN"})
class BakeBenchmark {

    private static final Path RECIPE = Path.of("src/test/resources/recipes/fleet.yaml");

    @Autowired
    private BakeRunner runner;

    @Test
    void eightRegionBakeAgainstItsCriticalPath() throws Exception {
        LatencyProfile profile = LatencyProfile.aws();
        // The fleet recipe sends one command with no packages; terminating the build instance
        // runs alongside the copies, which take longer.
        Duration path = profile.instanceRunning().plus(profile.agentRegistration())
                .plus(profile.commandDelivery()).plus(profile.commandBase())
                .plus(profile.instanceStopping()).plus(profile.imageCreate()).plus(profile.imageCopy());
        double scale = 26.0 / path.toSeconds();
        Duration scaledPath = Duration.ofNanos((long) (path.toNanos() * scale));

        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(scale))) {
            warmUp(sandbox);
            System.out.printf("%nBakeBenchmark: fleet recipe, 8 regions, sandbox time scale %.4f, critical path %.1f s"
                    + " (JVM and SDK warmed up by one untimed request)%n", scale, scaledPath.toMillis() / 1000.0);
            System.out.printf("%-28s %8s %10s %9s %15s%n", "run", "seconds", "vs. path", "requests",
                    "DescribeImages");
            System.out.printf("%-28s %8s %10s %9d %15d%n", "Packer, 15 s polls", "-", "2.98x", 82, 38);
            System.out.printf("%-28s %8s %10s %9d %15s%n", "Packer, 1 s polls", "-", "1.23x", 168, "-");
            for (String run : new String[] {"amibake, first bake", "amibake, with history"}) {
                SandboxStats before = sandbox.stats();
                long start = System.nanoTime();
                BakeResult result = bake(sandbox, run.contains("first") ? "cold" : "warm");
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                Map<String, Long> requests = delta(before, sandbox.stats());
                long total = requests.values().stream().mapToLong(Long::longValue).sum();
                System.out.printf("%-28s %8.1f %9.2fx %9d %15d   %s%n", run, took.toMillis() / 1000.0,
                        took.toNanos() / (double) scaledPath.toNanos(), total,
                        requests.getOrDefault("DescribeImages", 0L), result.status());
                System.out.println("    " + requests);
            }
        }
    }

    /** Loads the SDK's classes before timing: a one-off cost of the JVM, not of waiting. */
    private static void warmUp(Sandbox sandbox) {
        try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
            new Ec2Gateway(clients).describeImages("us-east-1", java.util.List.of("ami-00000000000000000"));
            new SsmGateway(clients).onlineAgents("us-east-1", java.util.List.of("i-00000000000000000"));
        }
    }

    private BakeResult bake(Sandbox sandbox, String run) throws Exception {
        String yaml = Files.readString(RECIPE);
        Map<String, String> vars = Map.of("run", run);
        String name = RecipeLoader.parse(yaml, RECIPE.toString(), vars).name();
        return runner.bake(new BakeRequest(yaml, RECIPE.toString(), vars), name,
                AwsSettings.sandbox(sandbox.endpoint()), "benchmark", Files.createTempFile("manifest", ".json"),
                BakeEvents.NONE);
    }

    private static Map<String, Long> delta(SandboxStats before, SandboxStats after) {
        Map<String, Long> counts = new TreeMap<>(after.byOperation());
        before.byOperation().forEach((operation, count) -> counts.merge(operation, -count, Long::sum));
        counts.values().removeIf(count -> count == 0);
        return counts;
    }
}
