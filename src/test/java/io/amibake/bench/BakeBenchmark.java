package io.amibake.bench;

import io.amibake.cli.AmibakeConfiguration;
import io.amibake.cloud.BakeTags;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.engine.job.TestImageStep;
import io.amibake.engine.wait.Expectation;
import io.amibake.engine.wait.Pacing;
import io.amibake.engine.wait.PollPlan;
import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxImage;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.sandbox.SandboxStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * issue 27's measure: the demo's bake without its test and deploy (five SSM commands, an image
 * copied to two more regions, an SSM parameter in each; src/test/resources/recipes/demo-bake.yaml)
 * on three clouds: fast (instance 3 s, image and copies 10 s), slow (instance 20 s, image and
 * copies 60 s, every wait varying by up to 30 %) and one of high variance (AWS-like, every wait
 * from half to twice its value). On each, in one run against one sandbox: the same bake polled
 * as Packer's waiters poll by default (look at once, then every 15 s of cloud time) and every
 * second, then amibake's first, second and third bake (the first with no history). For each:
 * wall time over the critical path (what the cloud itself took for the bake's sequential
 * transitions, read from the sandbox, so a varied cloud is measured against what it really
 * did), and requests by operation. The baselines are the same bake with only the pacing
 * replaced: their requests and time differ from amibake's by how they wait alone.
 *
 * <p>Run with {@code mvn -B test -Pbench -Dtest=BakeBenchmark} ({@code -Dbench.clouds=fast,...}
 * measures only those clouds). It asserts nothing about time: the machines are shared and noisy;
 * it prints whether each target was met.
 */
@SpringBootTest(classes = {AmibakeConfiguration.class, BakeBenchmark.Baselines.class}, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:benchmark",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "logging.level.root=WARN"})
class BakeBenchmark {

    private static final Path RECIPE = Path.of("src/test/resources/recipes/demo-bake.yaml");
    /**
     * Each cloud's critical path is run in about this much wall time, or at real time when it is
     * shorter: long enough that a bake's own work (Spring Batch's commits, the calls that are not
     * looks) is a small part of it, as on AWS.
     */
    private static final Duration WALL_PATH = Duration.ofSeconds(60);

    /** A pacing the benchmark switches between rows: amibake's, or a baseline's fixed polls. */
    static final class Switch implements Pacing {
        final AtomicReference<Pacing> current = new AtomicReference<>(PollPlan.DEFAULT);

        @Override
        public Duration nextDelay(Duration elapsed, Expectation expected) {
            return current.get().nextDelay(elapsed, expected);
        }

        @Override
        public Duration minDelay() {
            return current.get().minDelay();
        }

        @Override
        public Duration maxDelay() {
            return current.get().maxDelay();
        }
    }

    /** As an SDK waiter with a fixed delay polls (Packer's): a look at once, then one every {@code every}. */
    record Every(Duration every) implements Pacing {
        @Override
        public Duration nextDelay(Duration elapsed, Expectation expected) {
            return elapsed.isZero() ? Duration.ZERO : every;
        }

        @Override
        public Duration minDelay() {
            return every;
        }

        @Override
        public Duration maxDelay() {
            return every;
        }
    }

    @TestConfiguration
    static class Baselines {
        @Bean
        Switch pacing() {
            return new Switch();
        }
    }

    @Autowired
    private BakeService runner;

    @Autowired
    private Switch pacing;

    @Autowired
    private javax.sql.DataSource dataSource;

    private record Cloud(LatencyProfile profile, double variation, String description) {
    }

    private record Row(String label, double ratio, long requests, Map<String, Long> byOperation) {
    }

    @Test
    // Fifteen bakes of a minute or more each: far past the default deadline of a test.
    @Timeout(value = 45, unit = TimeUnit.MINUTES)
    void demoBakeOnThreeClouds() throws Exception {
        Map<String, Cloud> clouds = new LinkedHashMap<>();
        clouds.put("fast", new Cloud(LatencyProfile.aws().with("instance-running", Duration.ofSeconds(3))
                .with("agent-registration", Duration.ofSeconds(1)).with("command-delivery", Duration.ofMillis(500))
                .with("command-base", Duration.ofMillis(500)).with("command-per-package", Duration.ofMillis(500))
                .with("instance-stopping", Duration.ofSeconds(1)).with("image-create", Duration.ofSeconds(10))
                .with("image-copy", Duration.ofSeconds(10)).with("instance-terminating", Duration.ofSeconds(3)),
                0, "instance 3 s, agent 1 s, commands 1 s, stop 1 s, image and copies 10 s"));
        clouds.put("slow", new Cloud(LatencyProfile.aws().with("instance-running", Duration.ofSeconds(20))
                .with("agent-registration", Duration.ofSeconds(10)).with("command-delivery", Duration.ofSeconds(2))
                .with("command-base", Duration.ofSeconds(5)).with("instance-stopping", Duration.ofSeconds(20))
                .with("image-create", Duration.ofSeconds(60)).with("image-copy", Duration.ofSeconds(60))
                .with("instance-terminating", Duration.ofSeconds(20)), Math.log(1.3),
                "instance 20 s, agent 10 s, commands 7 s, stop 20 s, image and copies 60 s, each wait +-30 %"));
        clouds.put("high variance", new Cloud(LatencyProfile.aws(), Math.log(2),
                "AWS-like (instance 20 s, agent 30 s, commands 12 s, stop 40 s, image 4 min, copies 8 min),"
                        + " each wait from half to twice that"));
        List<String> only = List.of(System.getProperty("bench.clouds", "").split(",")).stream()
                .filter(s -> !s.isBlank()).toList();
        System.out.printf("%nBakeBenchmark %s: %s, each cloud's critical path run in about %d s of wall time"
                        + " (at most at real time);"
                        + " requests counted by the sandbox; load average %s%n", Instant.now(), RECIPE.getFileName(),
                WALL_PATH.toSeconds(), Files.readString(Path.of("/proc/loadavg")).strip());
        for (var cloud : clouds.entrySet()) {
            if (only.isEmpty() || only.contains(cloud.getKey())) {
                measure(cloud.getKey(), cloud.getValue());
            }
        }
        System.out.printf("load average at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
    }

    private void measure(String name, Cloud cloud) throws Exception {
        LatencyProfile p = cloud.profile();
        Duration nominal = p.instanceRunning().plus(p.agentRegistration())
                .plus(p.commandDelivery().plus(p.commandBase()).multipliedBy(5)).plus(p.commandPerPackage())
                .plus(p.instanceStopping()).plus(p.imageCreate()).plus(p.imageCopy());
        double scale = Math.min(1, WALL_PATH.toNanos() / (double) nominal.toNanos());
        SandboxOptions options = SandboxOptions.defaults().withPort(0).withTimeScale(scale).withProfile(p);
        if (cloud.variation() > 0) {
            options = options.withVariation(cloud.variation(), 27);
        }
        System.out.printf("%n%s: %s; time scale %.4f%n", name, cloud.description(), scale);
        System.out.printf("  %-30s %9s %8s %9s  %s%n", "run", "path (s)", "wall/path", "requests", "by operation");
        List<Row> rows = new ArrayList<>();
        try (Sandbox sandbox = Sandbox.start(options)) {
            for (int seconds : new int[] {15, 1}) {
                pacing.current.set(new Every(Duration.ofNanos((long) (Duration.ofSeconds(seconds).toNanos() * scale))));
                rows.add(row(sandbox, scale, "Packer-like, " + seconds + " s polls", name.replace(' ', '-') + "-" + seconds + "s"));
            }
            pacing.current.set(PollPlan.DEFAULT);
            // A recipe new to a target starts from the one baked there last: here a baseline,
            // whose coarse looks would be amibake's first history. Its first bake has none.
            new org.springframework.jdbc.core.JdbcTemplate(dataSource).update("DELETE FROM AMIBAKE_WAIT_HISTORY");
            for (int bake = 1; bake <= 3; bake++) {
                rows.add(row(sandbox, scale, "amibake, bake " + bake + (bake == 1 ? " (no history)" : ""),
                        name.replace(' ', '-') + "-amibake"));
            }
        }
        Row packer = rows.get(0);
        Row first = rows.get(2);
        Row third = rows.get(4);
        System.out.printf("  targets: requests at most Packer's %d: first %d %s, third %d %s;"
                        + " first within 1.15x: %.2fx %s; third within 1.05x: %.2fx %s%n", packer.requests(),
                first.requests(), met(first.requests() <= packer.requests()), third.requests(),
                met(third.requests() <= packer.requests()), first.ratio(), met(first.ratio() <= 1.15), third.ratio(),
                met(third.ratio() <= 1.05));
    }

    private static String met(boolean met) {
        return met ? "met" : "NOT met";
    }

    private Row row(Sandbox sandbox, double scale, String label, String history) throws Exception {
        SandboxStats before = sandbox.stats();
        long start = System.nanoTime();
        BakeResult result = bake(sandbox, history);
        double took = (System.nanoTime() - start) / 1e9;
        if (!"COMPLETED".equals(result.status())) {
            throw new IllegalStateException(label + ": " + result.status() + " " + result.error());
        }
        Map<String, Long> requests = delta(before, sandbox.stats());
        long total = requests.values().stream().mapToLong(Long::longValue).sum();
        double path = criticalPath(sandbox, result).toNanos() * scale / 1e9;
        System.out.printf("  %-30s %9.2f %8.2fx %9d  %s%n", label, path / scale, took / path, total, requests);
        return new Row(label, took / path, total, requests);
    }

    /** What the cloud took for the bake's sequential transitions: the build instance's, the image, the longest copy. */
    static Duration criticalPath(Sandbox sandbox, BakeResult result) {
        var build = sandbox.instances().stream()
                .filter(i -> result.bakeId().equals(i.tags().get(BakeTags.BAKE))
                        && i.tags().get(TestImageStep.ROLE_TAG) == null)
                .findFirst().orElseThrow();
        Duration image = Duration.ZERO;
        Duration longestCopy = Duration.ZERO;
        for (SandboxImage i : sandbox.images()) {
            if (result.bakeId().equals(i.tags().get(BakeTags.BAKE)) && i.completedAt() != null) {
                Duration took = Duration.between(i.createdAt(), i.completedAt());
                if (i.sourceImageId() == null) {
                    image = took;
                } else if (took.compareTo(longestCopy) > 0) {
                    longestCopy = took;
                }
            }
        }
        return sandbox.buildPath(build.region(), build.instanceId()).plus(image).plus(longestCopy);
    }

    /**
     * Bakes the recipe under the name {@code demo-bake-HISTORY}: the waits a bake learned are kept
     * per recipe, so each baseline and amibake's bakes on each cloud learn only from their own.
     */
    private BakeResult bake(Sandbox sandbox, String history) throws Exception {
        String yaml = Files.readString(RECIPE).replaceFirst("(?m)^name: demo-bake$", "name: demo-bake-" + history);
        return runner.start(BakeRequest.of(yaml, RECIPE.toString(), Map.of()), Target.endpoint(sandbox.endpoint()),
                Files.createTempFile("manifest", ".json"), BakeEvents.NONE);
    }

    private static Map<String, Long> delta(SandboxStats before, SandboxStats after) {
        Map<String, Long> counts = new TreeMap<>(after.byOperation());
        before.byOperation().forEach((operation, count) -> counts.merge(operation, -count, Long::sum));
        counts.values().removeIf(count -> count == 0);
        return counts;
    }
}
