package io.amibake.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The packaged program ({@code target/amibake.jar}, built by {@code mvn package}) running as a
 * child process: its stdout lines as they come, its stderr, its exit code, and a kill -9 sent
 * the moment a chosen line appears.
 */
final class AmibakeProcess {

    static final Path JAR = Path.of("target", "amibake.jar");

    /** Generous: a child's JVM start alone takes seconds on a busy two-core machine. */
    static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** The exit code of a process ended by SIGKILL. */
    static final int KILLED = 128 + 9;

    // Start time only: C1 and the serial collector start a Spring context about twice as fast.
    private static final List<String> JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** Every process started and not yet ended: none outlives the tests, even a scheduler whose test failed. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "amibake-children"));
    }

    private final List<String> args;
    private final Process process;
    private final Path stderr;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile String killedAt;
    private volatile Duration timeout = TIMEOUT;

    private AmibakeProcess(List<String> args, Process process, Path stderr, Predicate<String> killWhen) {
        this.args = args;
        this.process = process;
        this.stderr = stderr;
        this.reader = new Thread(() -> read(killWhen), "amibake-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Runs {@code amibake ARGS} to its end. */
    static AmibakeProcess run(Path scratch, String... args) {
        AmibakeProcess process = start(scratch, line -> false, args);
        process.awaitExit();
        return process;
    }

    /** Runs {@code amibake ARGS} to its end, allowing it {@code timeout} (a bake on real machines takes minutes). */
    static AmibakeProcess run(Path scratch, Duration timeout, String... args) {
        AmibakeProcess process = start(scratch, line -> false, args).within(timeout);
        process.awaitExit();
        return process;
    }

    /** The process may take {@code limit} before {@link #awaitExit()} gives up on it. */
    AmibakeProcess within(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /** Runs {@code amibake ARGS} to its end with these environment variables added. */
    static AmibakeProcess run(Path scratch, Map<String, String> env, String... args) {
        AmibakeProcess process = start(scratch, env, line -> false, args);
        process.awaitExit();
        return process;
    }

    /** Starts {@code amibake ARGS} and kills it with SIGKILL on the first stdout line that matches. */
    static AmibakeProcess start(Path scratch, Predicate<String> killWhen, String... args) {
        return start(scratch, Map.of(), killWhen, args);
    }

    /** Like {@link #start(Path, Predicate, String...)}, with these environment variables added. */
    static AmibakeProcess start(Path scratch, Map<String, String> env, Predicate<String> killWhen, String... args) {
        assertThat(JAR).as("the packaged program; run the *IT tests through 'mvn verify'").isRegularFile();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM);
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        try {
            Files.createDirectories(scratch);
            Path stderr = Files.createTempFile(scratch, "stderr-", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            LIVE.add(process);
            process.onExit().thenRun(() -> LIVE.remove(process));
            process.getOutputStream().close();
            return new AmibakeProcess(List.of(args), process, stderr, killWhen);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    private void read(Predicate<String> killWhen) {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lines.add(line);
                if (killedAt == null && killWhen.test(line)) {
                    // On Linux this is SIGKILL: no shutdown hook, no finally, no last commit.
                    process.destroyForcibly();
                    killedAt = line;
                }
            }
        } catch (IOException e) {
            lines.add("(stdout unreadable: " + e + ")");
        }
    }

    /** Waits for the process to end and its output to be read; returns its exit code. */
    int awaitExit() {
        try {
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("amibake " + args + " did not end within " + timeout + "\n" + output());
            }
            reader.join(timeout.toMillis());
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for amibake " + args, e);
        }
    }

    int exitCode() {
        return awaitExit();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGTERM, as systemd's stop and Ctrl-C's shell do: shutdown hooks run. */
    void terminate() {
        // Through the handle: Process.destroy() would also close the streams still being read.
        process.toHandle().destroy();
    }

    /** Waits until a stdout line contains {@code fragment}, failing with the output after 90 seconds. */
    void awaitLine(String fragment) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (lines.stream().noneMatch(line -> line.contains(fragment))) {
            if (System.nanoTime() > deadline || !process.isAlive() && lines.stream().noneMatch(l -> l.contains(fragment))
                    && !reader.isAlive()) {
                throw new AssertionError("no line with " + fragment + "\n" + output());
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    /**
     * Waits until {@code condition} holds, failing after {@link #TIMEOUT} with {@code what} and
     * the output of {@code processes}: an event to wait on, never a guess at how long it takes.
     */
    static void await(String what, BooleanSupplier condition, AmibakeProcess... processes) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                StringBuilder outputs = new StringBuilder();
                for (AmibakeProcess process : processes) {
                    outputs.append('\n').append(process.output());
                }
                throw new AssertionError("still waiting after " + TIMEOUT.toSeconds() + " s for " + what + outputs);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    /** Sends a signal ({@code STOP}, {@code CONT}) to the process, as kill(1) does. */
    void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted sending " + name, e);
        }
    }

    /** The line on which the process was killed, or null if it was not. */
    String killedAt() {
        return killedAt;
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    String stdout() {
        return String.join("\n", lines);
    }

    String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    /** Everything the process said, for assertion messages. */
    String output() {
        return "$ amibake " + String.join(" ", args) + "\n--- stdout\n" + stdout() + "\n--- stderr\n" + stderr();
    }
}
