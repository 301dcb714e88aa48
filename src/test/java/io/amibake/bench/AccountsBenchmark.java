package io.amibake.bench;

import io.amibake.TestRecipes;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.BakeTags;
import io.amibake.cloud.KmsGateway;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.engine.store.BakeSettings;
import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxAccounts;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.sandbox.SandboxStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * issue 24's measure: one recipe baked in the tools account and copied into 5 accounts x 4
 * regions (each copy by the account's own role), in the sandbox with AWS-like latencies
 * ({@link LatencyProfile#aws()}: image 4 min, copies 8 min) at a time scale that runs the
 * critical path in about a minute. Prints, for one bake: wall time over the critical path (what
 * the cloud took for the bake's sequential transitions: the build instance's, the image's and the
 * longest copy's, read from the sandbox), the requests the sandbox served per partition (the tools
 * account's region, each {@code ACCOUNT/REGION}), the bake's own tally beside the sandbox's
 * count, and how long after the image each copy started (a partition waits for one of
 * {@code amibake.copy-concurrency} threads).
 *
 * <p>Run with {@code mvn -B test -Pbench -Dtest=AccountsBenchmark} (add
 * {@code -Damibake.copy-concurrency=N} to change that setting). It asserts nothing about time: the
 * machines are shared and noisy.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:accounts-benchmark",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "logging.level.root=WARN"})
class AccountsBenchmark {

    private static final String TOOLS = SandboxAccounts.DEFAULT;
    private static final List<String> ACCOUNTS = List.of("222222222222", "333333333333", "444444444444",
            "555555555555", "666666666666");
    private static final List<String> REGIONS = List.of("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2");
    /** The critical path runs in about this much wall time. */
    private static final Duration WALL_PATH = Duration.ofSeconds(60);

    @Autowired
    private BakeService runner;

    @Autowired
    private BakeSettings settings;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void oneRecipeToFiveAccountsInFourRegions() throws Exception {
        LatencyProfile p = LatencyProfile.aws();
        int commands = 2;
        Duration nominal = p.instanceRunning().plus(p.agentRegistration())
                .plus(p.commandDelivery().plus(p.commandBase()).multipliedBy(commands)).plus(p.instanceStopping())
                .plus(p.imageCreate()).plus(p.imageCopy());
        double scale = WALL_PATH.toNanos() / (double) nominal.toNanos();
        System.out.printf("%nAccountsBenchmark %s: 1 recipe, the tools account's source region and %d accounts x %d"
                        + " regions (%s), AWS-like latencies at time scale %.4f; amibake.copy-concurrency %d;"
                        + " load average %s%n", Instant.now(), ACCOUNTS.size(), REGIONS.size(), String.join(", ", REGIONS),
                scale, settings.copyConcurrency(), Files.readString(Path.of("/proc/loadavg")).strip());
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(scale).withProfile(p))) {
            String buildKey;
            try (AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
                buildKey = new KmsGateway(clients).describeKey("us-east-1", "alias/amibake-images").orElseThrow().arn();
            }
            for (String account : ACCOUNTS) {
                sandbox.accounts().add(account).trust(role(account), TOOLS, null);
                sandbox.accounts().allowKeyUse(buildKey, account);
            }
            SandboxStats before = sandbox.stats();
            long start = System.nanoTime();
            BakeResult result = runner.start(BakeRequest.of(recipe(), "accounts-bench.yaml", Map.of()),
                    Target.endpoint(sandbox.endpoint()), Files.createTempFile("manifest", ".json"), BakeEvents.NONE);
            double took = (System.nanoTime() - start) / 1e9;
            if (!"COMPLETED".equals(result.status())) {
                throw new IllegalStateException(result.status() + " " + result.error());
            }
            SandboxStats after = sandbox.stats();
            double path = BakeBenchmark.criticalPath(sandbox, result).toNanos() * scale / 1e9;
            long served = after.requests().stream().mapToLong(SandboxStats.Row::count).sum()
                    - before.requests().stream().mapToLong(SandboxStats.Row::count).sum();
            long tally = result.view().requests().values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("  critical path %.0f s of cloud time (%.1f s here), wall %.1f s: %.2fx%n",
                    path / scale, path, took, took / path);
            System.out.printf("  requests: %d served by the sandbox, %d in the bake's tally%n", served, tally);
            // When each copy started, after the image was available: a partition waits for one of
            // amibake.copy-concurrency threads, and a late start adds a copy's time to the wall.
            List<Duration> starts = copyStarts(sandbox, result);
            long prompt = starts.stream().filter(d -> d.compareTo(Duration.ofMinutes(1)) <= 0).count();
            System.out.printf("  copies started within a minute of cloud time of the image: %d of %d; latest after %d s%n",
                    prompt, starts.size(), starts.stream().max(Duration::compareTo).orElse(Duration.ZERO).toSeconds());
            System.out.printf("  %-28s %8s%n", "partition", "requests");
            List<Long> perAccountRegion = new ArrayList<>();
            System.out.printf("  %-28s %8d  (build, image, sharing, STS: every region)%n", TOOLS + " (tools)",
                    after.countIn(TOOLS, null) - before.countIn(TOOLS, null));
            for (String account : ACCOUNTS) {
                for (String region : REGIONS) {
                    long count = after.countIn(account, region) - before.countIn(account, region);
                    perAccountRegion.add(count);
                    System.out.printf("  %-28s %8d%n", account + "/" + region, count);
                }
            }
            System.out.printf("  per account-region: min %d, median %d, max %d%n",
                    perAccountRegion.stream().mapToLong(Long::longValue).min().orElse(0),
                    perAccountRegion.stream().sorted().toList().get(perAccountRegion.size() / 2),
                    perAccountRegion.stream().mapToLong(Long::longValue).max().orElse(0));
        }
        System.out.printf("load average at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
    }

    /** How long after the image was available each of the bake's copies started, in cloud time. */
    private static List<Duration> copyStarts(Sandbox sandbox, BakeResult result) {
        List<SandboxImage> images = sandbox.images().stream()
                .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE))).toList();
        Instant available = images.stream().filter(i -> i.sourceImageId() == null).findFirst().orElseThrow()
                .completedAt();
        return images.stream().filter(i -> i.sourceImageId() != null)
                .map(i -> Duration.between(available, i.createdAt())).sorted().toList();
    }

    private static String recipe() {
        StringBuilder yaml = new StringBuilder(TestRecipes.withBuildKey("accounts-bench", """
                provision:
                  - name: page
                    run: echo '<h1>It works</h1>' > /tmp/index.html
                  - name: check
                    run: grep -q 'It works' /tmp/index.html
                test:
                  defaults: false
                image:
                  name: "{{recipe}}-{{timestamp}}"
                regions:
                  ssmParameter: /amibake/{{recipe}}/latest
                accounts:
                """));
        for (String account : ACCOUNTS) {
            yaml.append("  - roleArn: ").append(role(account)).append('\n')
                    .append("    regions: [").append(String.join(", ", REGIONS)).append("]\n")
                    .append("    ssmParameter: /images/{{recipe}}/latest\n");
        }
        return yaml.toString();
    }

    private static String role(String account) {
        return "arn:aws:iam::" + account + ":role/amibake-distribute";
    }
}
