package io.amibake.bench;

import io.amibake.cli.AmibakeCommand;
import io.amibake.engine.store.SharedRepository;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How fast amibake starts, as a user starts it: {@code ./run.sh validate recipes/} from start to
 * exit, {@code ./run.sh bake} from start to the sandbox receiving its first request, and
 * {@code ./run.sh status} on a home with 40 bakes of history; medians of 5 runs, after one untimed
 * run that builds the jar and the class data sharing archive when they are missing. Goals:
 * validate within 0.5 s, the first request within 2 s, status within 0.3 s. Each bake runs in a
 * new home (a new job repository, as on a first bake); its RunInstances is timed too, since the
 * bake's real work starts there. Status is timed to its exit, with the CPU time its process used
 * (the repository server it may start is another process, not counted), both while the home's
 * repository server runs and when status has to start it.
 *
 * <p>Run with {@code mvn -B test -Pbench}. It asserts nothing about time.
 */
class StartupBenchmark {

    private static final Path RUN = Path.of("run.sh").toAbsolutePath();
    private static final int RUNS = 5;
    private static final int HISTORY = 40;

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
        List<Timed> version = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            version.add(timed(RUN.toString(), "--version"));
        }
        Path history = Files.createTempDirectory("amibake-startup-history");
        bakes(history);
        exit(start(List.of(RUN.toString(), "status", "--home", history.toString())), 60);
        List<Timed> warm = new ArrayList<>();
        List<Timed> json = new ArrayList<>();
        List<Timed> cold = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            warm.add(timed(RUN.toString(), "status", "--home", history.toString()));
            json.add(timed(RUN.toString(), "status", "--json", "--home", history.toString()));
        }
        for (int i = 0; i < RUNS; i++) {
            SharedRepository.stop(history);
            cold.add(timed(RUN.toString(), "status", "--home", history.toString()));
        }
        SharedRepository.stop(history);
        deleteTree(history);

        System.out.printf("%nStartupBenchmark %s, %d processors, load average %s%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).strip());
        System.out.printf("  ./run.sh validate recipes/       median %.2f s of %s (goal 0.5 s)%n", median(validate),
                validate);
        System.out.printf("  ./run.sh bake: first AWS request  median %.2f s of %s (goal 2 s)%n", median(firstRequest),
                firstRequest);
        System.out.printf("  ./run.sh bake: RunInstances       median %.2f s of %s%n", median(runInstances),
                runInstances);
        System.out.printf("  ./run.sh --version (the floor):               %s%n", Timed.medians(version));
        System.out.printf("  ./run.sh status, %d bakes, server running:  %s (goal 0.3 s)%n", HISTORY, Timed.medians(warm));
        System.out.printf("  ./run.sh status --json, server running:     %s%n", Timed.medians(json));
        System.out.printf("  ./run.sh status, server not running:        %s%n", Timed.medians(cold));
    }

    /** A home's history: {@value #HISTORY} bakes of httpd in this process against a fast sandbox. */
    private static void bakes(Path home) throws IOException {
        try (Sandbox fast = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(0.0005))) {
            for (int i = 0; i < HISTORY; i++) {
                int exit = AmibakeCommand.commandLine().setOut(new PrintWriter(Writer.nullWriter()))
                        .execute("bake", "recipes/httpd.yaml", "--endpoint-url", fast.endpoint().toString(),
                                "--home", home.toString());
                if (exit != 0) {
                    throw new IllegalStateException("bake " + i + " of the history ended with " + exit);
                }
            }
        }
    }

    /** One command's wall time and the CPU time its process used (user and system), in seconds. */
    private record Timed(double wall, double cpu) {

        static String medians(List<Timed> runs) {
            return String.format("median %.2f s wall, %.2f s CPU of %s", median(runs.stream().map(Timed::wall).toList()),
                    median(runs.stream().map(Timed::cpu).toList()), runs);
        }

        @Override
        public String toString() {
            return String.format("%.2f/%.2f", wall, cpu);
        }
    }

    /** Runs a command under /usr/bin/time, which reads the CPU time of the process it waited for. */
    private static Timed timed(String... command) throws Exception {
        Path times = Files.createTempFile("amibake-startup", ".time");
        try {
            List<String> timed = new ArrayList<>(List.of("/usr/bin/time", "-f", "%U %S", "-o", times.toString()));
            timed.addAll(List.of(command));
            long begin = System.nanoTime();
            Process process = start(timed);
            exit(process, 60);
            double wall = (System.nanoTime() - begin) / 1e9;
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " ended with " + process.exitValue());
            }
            String[] cpu = Files.readString(times).strip().split(" ");
            return new Timed(wall, Double.parseDouble(cpu[0]) + Double.parseDouble(cpu[1]));
        } finally {
            Files.deleteIfExists(times);
        }
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
