package io.amibake.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Debian 12 host for the tests of what installs on one: a {@code systemd-nspawn} container that
 * boots systemd from an overlay whose lower layer is the sandbox's base image (never written) and
 * whose upper layer is the test's. It shares the host's network, so apt reaches the Debian mirror
 * and the container's services reach a sandbox on 127.0.0.1; the base image's SSH server and
 * cloud-init, which would act on that network, are masked.
 *
 * <p>As for the sandbox's machines, the overlay is mounted in a mount namespace of the
 * container's own (it goes with the container) and nspawn runs under {@code setpriv --pdeathsig}
 * from a thread that waits for it, so a test JVM that dies takes the container down with it.
 */
final class DebianContainer implements AutoCloseable {

    /** The output of a command run in the container, and its exit code. */
    record Result(int exitCode, String output) {
    }

    private static final Duration BOOT = Duration.ofMinutes(3);
    private static final List<String> MASKED = List.of("ssh.service", "cloud-init-local.service",
            "cloud-init.service", "cloud-config.service", "cloud-final.service");

    private final Process nspawn;
    private final long init;
    private final Path console;

    private DebianContainer(Process nspawn, long init, Path console) {
        this.nspawn = nspawn;
        this.init = init;
        this.console = console;
    }

    /**
     * Boots {@code base} with {@code dir} for its upper layer and console log, host directories
     * bound at the container's paths ({@code host:container}, read-write), until systemd says the
     * system runs.
     */
    static DebianContainer boot(Path base, Path dir, String name, List<String> binds) throws Exception {
        Path upper = Files.createDirectories(dir.resolve("upper"));
        Path work = Files.createDirectories(dir.resolve("work"));
        Path merged = Files.createDirectories(dir.resolve("merged"));
        Path console = dir.resolve("console.log");
        StringBuilder nspawnArgs = new StringBuilder();
        for (String bind : binds) {
            nspawnArgs.append(" --bind=").append(bind);
        }
        for (String unit : MASKED) {
            nspawnArgs.append(" systemd.mask=").append(unit);
        }
        List<String> command = List.of("setpriv", "--pdeathsig", "SIGTERM", "--",
                "unshare", "-m", "--propagation", "private", "--",
                "sh", "-c", "mount -t overlay overlay -o \"lowerdir=$1,upperdir=$2,workdir=$3\" \"$4\""
                        + " && exec systemd-nspawn -q --register=no --keep-unit -b -D \"$4\" --machine \"$5\""
                        + nspawnArgs,
                "sh", base.toString(), upper.toString(), work.toString(), merged.toString(), name);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(console.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // A test's /tmp files are what a real host's would be: on the disk, not on nspawn's tmpfs.
        builder.environment().put("SYSTEMD_NSPAWN_TMPFS_TMP", "0");
        CompletableFuture<Process> started = new CompletableFuture<>();
        // The parent-death signal follows the thread that started nspawn: this one lives as long as it.
        Thread parent = new Thread(() -> {
            try {
                Process process = builder.start();
                started.complete(process);
                process.waitFor();
            } catch (IOException e) {
                started.completeExceptionally(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "nspawn " + name);
        parent.setDaemon(true);
        parent.start();
        Process nspawn = started.get(30, TimeUnit.SECONDS);
        DebianContainer container = new DebianContainer(nspawn, awaitInit(nspawn, console), console);
        try {
            container.awaitRunning();
        } catch (Exception | AssertionError e) {
            container.close();
            throw e;
        }
        return container;
    }

    private static long awaitInit(Process nspawn, Path console) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        while (System.nanoTime() < deadline) {
            // nspawn's own child only sets the container up; init is the first in a PID namespace of its own.
            Optional<ProcessHandle> init = nspawn.descendants()
                    .filter(p -> !pidNamespace(p.pid()).isEmpty() && !pidNamespace(p.pid()).equals(ours))
                    .filter(p -> p.parent().map(parent -> pidNamespace(parent.pid()).equals(ours)).orElse(false))
                    .findFirst();
            if (init.isPresent()) {
                return init.get().pid();
            }
            if (!nspawn.isAlive()) {
                throw new AssertionError("systemd-nspawn exited " + nspawn.exitValue() + ":\n" + Files.readString(console));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        throw new AssertionError("systemd-nspawn started no init within 60 s:\n" + Files.readString(console));
    }

    private static String pidNamespace(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")).toString();
        } catch (IOException gone) {
            return "";
        }
    }

    private void awaitRunning() throws Exception {
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (true) {
            Result state = run(BOOT, "systemctl", "is-system-running", "--wait");
            String text = state.output().strip();
            if (text.equals("running") || text.equals("degraded")) {
                return;
            }
            // A moment into the boot systemd has no bus yet, or says it is offline: ask again.
            if (!nspawn.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the container did not boot: systemd says '" + text + "':\n"
                        + Files.readString(console));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
    }

    /** Runs {@code command} as root in the container, to its end within {@code deadline}. */
    Result run(Duration deadline, String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("nsenter", "-t", Long.toString(init), "-a", "--"));
        args.addAll(List.of(command));
        Path output = Files.createTempFile("amibake-container-", ".out");
        try {
            Process process = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end within " + deadline + ":\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Runs {@code script} with {@code sh -c} in the container and fails with its output unless it exits 0. */
    String sh(Duration deadline, String script) throws IOException, InterruptedException {
        Result result = run(deadline, "sh", "-c", script);
        if (result.exitCode() != 0) {
            throw new AssertionError("'" + script + "' exited " + result.exitCode() + ":\n" + result.output());
        }
        return result.output();
    }

    /** Shuts the container down as its power button would, then at once if it takes over a minute. */
    @Override
    public void close() throws InterruptedException {
        if (nspawn.isAlive()) {
            nspawn.toHandle().destroy();
            if (!nspawn.waitFor(60, TimeUnit.SECONDS)) {
                nspawn.descendants().forEach(ProcessHandle::destroyForcibly);
                nspawn.destroyForcibly();
                nspawn.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
