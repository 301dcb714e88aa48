package io.amibake.cli;

import io.amibake.engine.store.RepositoryServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amibake repository-server}: the process that serves a home's embedded job repository to
 * the amibake processes using it. Not for people: the first command that needs the repository
 * starts it, and it ends by itself once idle (see docs/bake.md).
 */
@Command(name = "repository-server", hidden = true,
        description = "Serve the home's embedded job repository to the amibake processes using it (started by them).")
final class RepositoryServerCommand implements Callable<Integer> {

    @Option(names = "--home", required = true, paramLabel = "DIR")
    Path home;

    @Option(names = "--idle", required = true, paramLabel = "DURATION", description = "ISO-8601, e.g. PT30S.")
    String idle;

    @Override
    public Integer call() {
        // The starting process reads one line from stdout; everything later goes to the log (stderr).
        PrintStream announce = System.out;
        System.setOut(System.err);
        return RepositoryServer.serve(home, Duration.parse(idle), announce);
    }
}
