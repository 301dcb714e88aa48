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
 * What a bake costs in memory, as a user runs it: {@code ./run.sh bake recipes/httpd.yaml} against
 * a sandbox endpoint, in a new home, so the bake starts its own repository server. Every 50 ms it
 * reads both processes' resident memory from /proc: it prints each one's peak (VmHWM) and the
 * peak of their sum, medians of 3 bakes. Goal: the sum under 200 MB.
 *
 * <p>Run with {@code mvn -B test -Pbench -Dtest=MemoryBenchmark}. It asserts nothing.
 */
class MemoryBenchmark {

    private static final Path RUN = Path.of("run.sh").toAbsolutePath();
    private static final int RUNS = 3;

    private record Peak(long bake, long server, long both) {
    }

    @Test
    void oneBakeAndItsRepositoryServer() throws Exception {
        // builds the jar and the class data sharing archives when they are missing
        Process prepare = new ProcessBuilder(RUN.toString(), "--version").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        prepare.waitFor(600, TimeUnit.SECONDS);
        List<Peak> peaks = new ArrayList<>();
        try (Sandbox sandbox = Sandbox.start(SandboxOptions.defaults().withPort(0).withTimeScale(0.01))) {
            for (int i = 0; i < RUNS; i++) {
                peaks.add(bake(sandbox));
            }
        }
        System.out.printf("%nMemoryBenchmark %s, load average %s%n", Instant.now(),
                Files.readString(Path.of("/proc/loadavg")).strip());
        System.out.printf("  ./run.sh bake recipes/httpd.yaml (sandbox endpoint, new home), peak resident memory,"
                + " medians of %d: bake %d MB, repository server %d MB, both at once %d MB (goal under 200 MB)%n",
                RUNS, median(peaks, Peak::bake), median(peaks, Peak::server), median(peaks, Peak::both));
        peaks.forEach(p -> System.out.printf("    bake %d MB, server %d MB, both %d MB%n", p.bake() / 1024,
                p.server() / 1024, p.both() / 1024));
    }

    private static Peak bake(Sandbox sandbox) throws Exception {
        Path home = Files.createTempDirectory("amibake-memory");
        Process bake = new ProcessBuilder(RUN.toString(), "bake", "recipes/httpd.yaml", "--endpoint-url",
                sandbox.endpoint().toString(), "--home", home.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long bakePeak = 0;
        long serverPeak = 0;
        long bothPeak = 0;
        long server = -1;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (bake.isAlive() && System.nanoTime() < deadline) {
            if (server < 0) {
                server = serverPid(home);
            }
            long bakeNow = kilobytes(bake.pid(), "VmRSS");
            long serverNow = server < 0 ? 0 : kilobytes(server, "VmRSS");
            bakePeak = Math.max(bakePeak, kilobytes(bake.pid(), "VmHWM"));
            serverPeak = Math.max(serverPeak, server < 0 ? 0 : kilobytes(server, "VmHWM"));
            bothPeak = Math.max(bothPeak, bakeNow + serverNow);
            Thread.sleep(50);
        }
        if (!bake.waitFor(1, TimeUnit.MINUTES)) {
            bake.destroyForcibly().waitFor();
            throw new IllegalStateException("the bake did not end within 10 minutes");
        }
        if (bake.exitValue() != 0) {
            throw new IllegalStateException("the bake exited with " + bake.exitValue());
        }
        if (server > 0) {
            ProcessHandle.of(server).ifPresent(ProcessHandle::destroy);
        }
        return new Peak(bakePeak, serverPeak, bothPeak);
    }

    /** The repository server's pid, from the record it writes into the home, or -1 before it does. */
    private static long serverPid(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("repository/server.port"))) {
                if (line.startsWith("pid=")) {
                    return Long.parseLong(line.substring(4).strip());
                }
            }
        } catch (IOException | NumberFormatException notYet) {
            // not written yet
        }
        return -1;
    }

    /** A field of /proc/PID/status in kB, 0 once the process is gone. */
    private static long kilobytes(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip());
                }
            }
        } catch (IOException | NumberFormatException gone) {
            // ended between two reads
        }
        return 0;
    }

    /** The median in MB. */
    private static long median(List<Peak> peaks, java.util.function.ToLongFunction<Peak> value) {
        List<Long> sorted = peaks.stream().map(value::applyAsLong).sorted().toList();
        return sorted.get(sorted.size() / 2) / 1024;
    }
}
