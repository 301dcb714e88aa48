package io.amibake.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Runs amibake's command line in this process on one home, keeping what the last command printed. */
final class CommandRunner {

    private final Supplier<Path> home;
    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    /** @param home the home every command runs on, read when a command runs (a test's {@code @TempDir}) */
    CommandRunner(Supplier<Path> home) {
        this.home = home;
    }

    /** Runs {@code amibake ARGS --home HOME} and returns its exit code. */
    int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        String[] all = Stream.concat(Arrays.stream(args), Stream.of("--home", home.get().toString()))
                .toArray(String[]::new);
        return AmibakeCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(all);
    }

    /** What the last command printed on standard output. */
    String out() {
        return out.toString();
    }

    /** What the last command printed on standard error. */
    String err() {
        return err.toString();
    }
}
