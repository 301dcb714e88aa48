package io.amibake.bench;

import io.amibake.engine.api.Target;
import io.amibake.cli.AmibakeConfiguration;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.sandbox.LatencyProfile;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import io.amibake.sandbox.SandboxStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A fleet in one process, as one {@code schedule} slot starts it: 20 recipes of 8 regions each,
 * all started at once through {@link BakeService}, against one sandbox with its AWS-like latency
 * profile and throttling, after one bake of the same shape alone. It prints, measured in this
 * run: failed bakes (goal 0), the fleet's wall time against the single bake's (goal 1.2x at
 * most), requests per bake against the single bake's, the process's peak RSS (VmHWM, goal 512 MB;
 * the in-process sandbox counts too, so it is an upper bound) and the throttled requests.
 *
 * <p>Run with {@code mvn -B test -Pbench -Dtest=FleetBenchmark}. It asserts nothing: the
 * machines are shared and noisy.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        // What BakeContext gives every command, schedule included: the repository file, its pool
        // of 4 connections, job metadata created in READ COMMITTED transactions.
        "spring.datasource.username=SA",
        "spring.datasource.password=",
        "spring.datasource.hikari.maximum-pool-size=4",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "spring.batch.jdbc.isolation-level-for-create=read-committed",
        "spring.batch.jdbc.continue-on-error=true",
        "logging.level.root=WARN"})
class FleetBenchmark {

    private static final Path RECIPE = Path.of("src/test/resources/recipes/fleet.yaml");
    private static final int RECIPES = 20;
    /** One bake's critical path, AWS-like, is run in this much wall time. */
    private static final Duration WALL_PATH = Duration.ofSeconds(30);

    @DynamicPropertySource
    static void home(DynamicPropertyRegistry registry) throws IOException {
        Path home = Files.createTempDirectory("amibake-fleet");
        registry.add("amibake.home", home::toString);
        registry.add("spring.datasource.url", () -> "jdbc:hsqldb:file:" + home.resolve("repository/amibake")
                + ";hsqldb.write_delay=false;shutdown=true");
    }

    @Autowired
    private BakeService launcher;

    private record Measured(double wallSeconds, int failed, Map<String, Long> requests, Map<String, Long> outcomes,
                            List<String> errors) {

        long total() {
            return requests.values().stream().mapToLong(Long::longValue).sum();
        }

        long throttled() {
            return outcomes.getOrDefault("RequestLimitExceeded", 0L) + outcomes.getOrDefault("ThrottlingException", 0L);
        }
    }

    @Test
    void twentyRecipesOfEightRegionsInOneSlot() throws Exception {
        LatencyProfile profile = LatencyProfile.aws();
        Duration path = profile.instanceRunning().plus(profile.agentRegistration()).plus(profile.commandDelivery())
                .plus(profile.commandBase()).plus(profile.instanceStopping()).plus(profile.imageCreate())
                .plus(profile.imageCopy());
        double scale = WALL_PATH.toNanos() / (double) path.toNanos();
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(scale)
                .withProfile(profile))) {
            bakeAll(sandbox, List.of("fleet-warmup"));
            Measured single = bakeAll(sandbox, List.of("fleet-solo"));
            List<String> fleet = new ArrayList<>();
            for (int i = 1; i <= RECIPES; i++) {
                fleet.add("fleet-%02d".formatted(i));
            }
            long rssBefore = status("VmRSS");
            resetPeakRss();
            Measured all = bakeAll(sandbox, fleet);
            long peakRss = status("VmHWM");
            long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> pool.getType() == MemoryType.HEAP)
                    .mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();

            System.out.printf("%nFleetBenchmark %s: %d recipes x 8 regions started at once through BakeService,"
                    + " one JVM, sandbox AWS-like profile and throttling, critical path %d s run in %d s of wall"
                    + " time (time scale %.4f), HSQLDB file repository, pool of 4%n", Instant.now(), RECIPES,
                    path.toSeconds(), WALL_PATH.toSeconds(), scale);
            System.out.printf("%-34s %12s %12s %10s%n", "measure", "single bake", "fleet", "ratio/goal");
            System.out.printf("%-34s %12d %12d %10s%n", "failed bakes", single.failed(), all.failed(), "goal 0");
            System.out.printf("%-34s %12.1f %12.1f %9.2fx  (goal <= 1.2x)%n", "wall time (s)", single.wallSeconds(),
                    all.wallSeconds(), all.wallSeconds() / single.wallSeconds());
            System.out.printf("%-34s %12d %12.1f %9.2fx%n", "requests per bake", single.total(),
                    all.total() / (double) RECIPES, all.total() / (double) RECIPES / single.total());
            for (String operation : List.of("DescribeImages", "DescribeInstances", "CopyImage", "DescribeImageAttribute",
                    "GetCommandInvocation", "DescribeInstanceInformation")) {
                long one = single.requests().getOrDefault(operation, 0L);
                long each = all.requests().getOrDefault(operation, 0L);
                System.out.printf("  %-32s %12d %12.1f %9s%n", operation + " per bake", one, each / (double) RECIPES,
                        one == 0 ? "-" : "%.2fx".formatted(each / (double) RECIPES / one));
            }
            System.out.printf("%-34s %12d %12d %9.1f%%%n", "throttled requests", single.throttled(), all.throttled(),
                    100.0 * all.throttled() / Math.max(1, all.total()));
            System.out.printf("%-34s %12s %12d %10s%n", "peak RSS of the JVM (MB, VmHWM)", "-", peakRss / 1024,
                    "goal 512");
            System.out.printf("%-34s %12s %12d%n", "RSS before the fleet (MB)", "-", rssBefore / 1024);
            System.out.printf("%-34s %12s %12d%n", "peak heap used (MB)", "-", peakHeap / (1024 * 1024));
            System.out.printf("fleet requests by operation: %s%nfleet answers by outcome: %s%n", all.requests(),
                    all.outcomes());
            all.errors().forEach(error -> System.out.println("failed: " + error));
        }
    }

    private Measured bakeAll(Sandbox sandbox, List<String> recipes) throws Exception {
        String yaml = Files.readString(RECIPE);
        SandboxStats before = sandbox.stats();
        ExecutorService slot = Executors.newFixedThreadPool(recipes.size());
        long start = System.nanoTime();
        List<Future<BakeResult>> bakes = new ArrayList<>();
        for (String recipe : recipes) {
            String own = yaml.replace("name: fleet", "name: " + recipe);
            bakes.add(slot.submit(() -> launcher.start(BakeRequest.of(own, RECIPE.toString(), Map.of("run", "1")), Target.endpoint(sandbox.endpoint()), null, BakeEvents.NONE)));
        }
        int failed = 0;
        List<String> errors = new ArrayList<>();
        for (Future<BakeResult> bake : bakes) {
            try {
                BakeResult result = bake.get();
                if (!result.completed()) {
                    failed++;
                    errors.add(result.bakeId() + " " + result.status() + ": " + result.error());
                }
            } catch (java.util.concurrent.ExecutionException e) {
                failed++;
                errors.add(e.getCause().toString());
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        slot.shutdown();
        SandboxStats after = sandbox.stats();
        return new Measured(wall, failed, delta(before.byOperation(), after.byOperation()),
                delta(before.byOutcome(), after.byOutcome()), errors);
    }

    /** A field of /proc/self/status in kB, or -1 where there is none (not Linux). */
    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    /** Linux resets VmHWM to the current RSS when 5 is written to clear_refs. */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // The peak then includes the single bakes, which are smaller.
        }
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> counts = new TreeMap<>(after);
        before.forEach((key, count) -> counts.merge(key, -count, Long::sum));
        counts.values().removeIf(count -> count == 0);
        return counts;
    }
}
