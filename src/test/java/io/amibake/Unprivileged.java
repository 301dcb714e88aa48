package io.amibake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The amibake command line in a child JVM that file permissions bind, for the tests of a home or
 * recipe it may not write or read. Under root (CI runs as root) setpriv starts it with every
 * capability dropped: still uid 0, so the test's class path under root's home stays readable, but
 * without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH a file's mode binds it as it binds any user.
 * Any other user already is bound. Without setpriv under root it fails under CI, else skips ({@link Ci}).
 */
public final class Unprivileged {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    /** What the command did: its exit code and what it printed. */
    public record Result(int exit, String out, String err) {
    }

    private Unprivileged() {
    }

    /** Runs {@code amibake ARGS} to its end, within two minutes. */
    public static Result amibake(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            Ci.require(Files.isExecutable(SETPRIV), "setpriv (util-linux) to run amibake without root's privileges");
            command.addAll(List.of(SETPRIV.toString(), "--inh-caps=-all", "--bounding-set=-all"));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "io.amibake.AmibakeApplication"));
        command.addAll(List.of(args));
        Path err = Files.createTempFile("amibake-unprivileged-", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("amibake " + String.join(" ", args) + " did not end within 2 minutes");
            }
            return new Result(process.exitValue(), out, Files.readString(err));
        } finally {
            Files.delete(err);
        }
    }
}
