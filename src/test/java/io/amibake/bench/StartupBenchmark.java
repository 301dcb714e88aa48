package io.amibake.bench;

import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How fast amibake starts, as a user starts it: {@code ./run.sh validate recipes/} from start to
 * exit, and {@code ./run.sh bake} from start to the sandbox receiving its first request; medians
 * of 5 runs, after one untimed run that builds the jar and the class data sharing archive when
 * they are missing. Goals: validate within 0.5 s, the first request within 2 s. Each bake runs in
 * a new home (a new job repository, as on a first bake); its RunInstances is timed too, since
 * the bake's real work starts there.
 *
 * <p>Run with {@code mvn -B test -Pbench}. It asserts nothing about time.
 */
class StartupBenchmark {

    private static final Path RUN = Path.of("run.sh").toAbsolutePath();
    private static final int RUNS = 5;

    @Test
    void startUp() throws Exception {
        exit(start(List.of(RUN.toString(), "validate", "recipes/")), 600);

        List<Double> validate = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            long begin = System.nanoTime();
            exit(start(List.of(RUN.toString(), "validate", "recipes/")), 60);
            validate.add((System.nanoTime() - begin) / 1e9);
        }

        List<Double> firstRequest = new ArrayList<>();
        List<Double> runInstances = new ArrayList<>();
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(0.01))) {
            for (int i = 0; i < RUNS; i++) {
                Path home = Files.createTempDirectory("amibake-startup");
                long before = total(sandbox);
                long begin = System.nanoTime();
                Process bake = start(List.of(RUN.toString(), "bake", "recipes/httpd.yaml", "--endpoint-url",
                        sandbox.endpoint().toString(), "--home", home.toString()));
                long launchesBefore = launches(sandbox);
                while (total(sandbox) == before && bake.isAlive()) {
                    Thread.sleep(2);
                }
                firstRequest.add((System.nanoTime() - begin) / 1e9);
                while (launches(sandbox) == launchesBefore && bake.isAlive()) {
                    Thread.sleep(2);
                }
                runInstances.add((System.nanoTime() - begin) / 1e9);
                bake.destroy();
                if (!bake.waitFor(60, TimeUnit.SECONDS)) {
                    bake.destroyForcibly().waitFor();
                }
                deleteTree(home);
            }
        }
        System.out.printf("%nStartupBenchmark %s, %d processors, load average %s%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).strip());
        System.out.printf("  ./run.sh validate recipes/       median %.2f s of %s (goal 0.5 s)%n", median(validate),
                validate);
        System.out.printf("  ./run.sh bake: first AWS request  median %.2f s of %s (goal 2 s)%n", median(firstRequest),
                firstRequest);
        System.out.printf("  ./run.sh bake: RunInstances       median %.2f s of %s%n", median(runInstances),
                runInstances);
    }

    private static Process start(List<String> command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static void exit(Process process, int seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + process.info().commandLine().orElse("?"));
        }
    }

    private static long total(Sandbox sandbox) {
        return sandbox.stats().requests().stream().mapToLong(r -> r.count()).sum();
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static long launches(Sandbox sandbox) {
        return sandbox.stats().byOperation().getOrDefault("RunInstances", 0L);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
