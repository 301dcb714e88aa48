package io.amibake.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command run on the host for the machine backend (ip, cp, nsenter, unshare), to its end within
 * a deadline, its output captured. Nothing here goes through a shell unless the caller asks for one.
 */
final class HostCommand {

    /** What a finished command printed and how it exited. */
    record Result(int exitCode, String output) {

        boolean ok() {
            return exitCode == 0;
        }
    }

    private HostCommand() {
    }

    /** Runs {@code command}; its stdout and stderr together, at most the first 64 KiB kept. */
    static Result run(Duration deadline, List<String> command) {
        Path output = null;
        try {
            output = Files.createTempFile("amibake-host-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process process = builder.start();
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, head(output) + "\n(killed after " + deadline.toSeconds() + " s: " + command + ")");
            }
            return new Result(process.exitValue(), head(output));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temporary file the OS cleans up anyway
                }
            }
        }
    }

    /** Runs {@code command} and fails with its output unless it exits 0. */
    static String check(Duration deadline, List<String> command) {
        Result result = run(deadline, command);
        if (!result.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode() + ": "
                    + result.output().strip());
        }
        return result.output();
    }

    /** The first 64 KiB of a file, as UTF-8. */
    static String head(Path file) throws IOException {
        return head(file, 64 * 1024);
    }

    static String head(Path file, int bytes) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        try (var in = Files.newInputStream(file)) {
            return new String(in.readNBytes(bytes), StandardCharsets.UTF_8);
        }
    }
}
