package io.amibake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.amibake.cli.AmibakeConfiguration;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Target;
import io.amibake.recipe.RecipeLoader;
import io.amibake.sandbox.MachineHost;
import io.amibake.sandbox.MachineOptions;
import io.amibake.sandbox.Sandbox;
import io.amibake.sandbox.SandboxCommand;
import io.amibake.sandbox.SandboxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Real bakes on the sandbox's real machines (docs/sandbox.md, "Real machines"): httpd and lamp on
 * Debian, in one JVM as {@code bake --sandbox --machines debian} runs them. A fresh cache first, so
 * the first figures include building the base image and a cold apt proxy; then the same bakes
 * cached. For each bake: its wall time, the JVM's peak RSS during it (VmHWM, reset before each),
 * the peak of the summed RSS of every process of the machines (sampled every half second), and
 * the waits the apt path printed. One httpd bake holds the build machine's apt locks for 20 s
 * ({@code holdAptLock}), to show the wait. Run with
 * {@code mvn -B test -Pbench -Dtest=RealMachineBenchmark}, as root; it asserts only that the bakes
 * complete.
 */
@SpringBootTest(classes = AmibakeConfiguration.class, properties = {
        "spring.datasource.url=jdbc:hsqldb:mem:realmachines",
        "spring.batch.job.enabled=false",
        "spring.batch.jdbc.initialize-schema=always",
        "logging.level.root=WARN"})
class RealMachineBenchmark {

    private static final Pattern CLOUD_INIT = Pattern.compile("amibake: waited (\\d+) s for cloud-init");
    private static final Pattern APT_LOCK = Pattern.compile("amibake: waited (\\d+) s for apt's lock");

    @Autowired
    private BakeService runner;

    @Test
    void realHttpdAndLampBakesFirstWithTheBaseImageBuildThenCached() throws Exception {
        Assumptions.assumeTrue(MachineHost.problem().isEmpty(), () -> "no real machines: " + MachineHost.problem());
        Path cache = Files.createTempDirectory("amibake-machines-benchmark-");
        try {
            long started = System.nanoTime();
            try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(0.01)
                    .withMachines(MachineOptions.of("debian").withCacheDir(cache)));
                 AwsClients clients = new AwsClients(AwsSettings.sandbox(sandbox.endpoint()))) {
                double baseBuild = seconds(System.nanoTime() - started);
                SsmGateway ssm = new SsmGateway(clients);
                System.out.printf("%nReal bakes on the sandbox's Debian machines (load average %s)%n", load());
                System.out.printf("%-44s %8s %10s %13s %11s %9s%n", "", "wall s", "JVM MB", "machines MB",
                        "cloud-init s", "apt lock s");
                System.out.printf("%-44s %8.1f%n", "base image build (debootstrap, once per host)", baseBuild);
                row("httpd-debian, first (apt proxy cold)", sandbox, ssm, "recipes/httpd-debian.yaml", null);
                row("httpd-debian, cached", sandbox, ssm, "recipes/httpd-debian.yaml", null);
                row("httpd-debian, cached, apt locks held 20 s", sandbox, ssm, "recipes/httpd-debian.yaml",
                        Duration.ofSeconds(20));
                row("lamp-debian, first (its packages not cached)", sandbox, ssm, "recipes/lamp-debian.yaml", null);
                row("lamp-debian, cached", sandbox, ssm, "recipes/lamp-debian.yaml", null);
                System.out.printf("apt proxy: %s; load average after: %s%n", sandbox.machines().aptProxyStats(),
                        load());
            }
        } finally {
            new ProcessBuilder("rm", "-rf", "--one-file-system", cache.toString()).inheritIO().start().waitFor();
        }
    }

    private void row(String label, Sandbox sandbox, SsmGateway ssm, String recipe, Duration holdLock)
            throws Exception {
        String yaml = Files.readString(Path.of(recipe));
        String name = RecipeLoader.parse(yaml, recipe, Map.of()).name();
        if (holdLock != null) {
            sandbox.faults().holdAptLock(holdLock, "amibake build: " + name);
        }
        resetPeakRss();
        AtomicLong machinesPeak = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                long sum = 0;
                for (long pid : sandbox.machines().containers()) {
                    sum += rss(pid) + ProcessHandle.of(pid).map(p -> p.descendants().mapToLong(d -> rss(d.pid())).sum())
                            .orElse(0L);
                }
                machinesPeak.accumulateAndGet(sum, Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
            }
        }, "machines-rss");
        sampler.setDaemon(true);
        sampler.start();
        long started = System.nanoTime();
        BakeResult result = runner.start(BakeRequest.of(yaml, recipe, Map.of()), Target.inProcessSandbox(
                sandbox.endpoint()), Files.createTempFile("manifest", ".json"), BakeEvents.NONE);
        double wall = seconds(System.nanoTime() - started);
        sampling.set(false);
        sampler.join();
        assertThat(result.completed()).as(label + ": " + result.error()).isTrue();
        String packages = packagesOutput(sandbox, ssm);
        System.out.printf("%-44s %8.1f %10d %13d %11s %9s%n", label, wall, status("VmHWM") / 1024,
                machinesPeak.get() / 1024, waited(CLOUD_INIT, packages), waited(APT_LOCK, packages));
    }

    /** What the last packages command printed (the apt path's waits are on its first lines). */
    private static String packagesOutput(Sandbox sandbox, SsmGateway ssm) {
        List<SandboxCommand> commands = sandbox.commands().stream()
                .filter(c -> c.commands().stream().anyMatch(line -> line.contains("wait_for_apt"))).toList();
        SandboxCommand last = commands.get(commands.size() - 1);
        return ssm.invocation(last.region(), last.commandId(), last.instanceId()).stdout();
    }

    private static String waited(Pattern pattern, String output) {
        Matcher m = pattern.matcher(output);
        return m.find() ? m.group(1) : "0";
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** A process's resident set in KiB, 0 once it is gone. */
    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
        return 0;
    }

    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    /** Linux resets VmHWM to the current RSS when 5 is written to clear_refs. */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // the peak then includes the bakes before
        }
    }

    private static String load() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }
}
