package io.amibake;

import io.amibake.cli.AmibakeCommand;
import picocli.CommandLine;

/**
 * The entry point. Parses the command line with picocli; only commands that need the job
 * repository or AWS start Spring, so {@code validate} answers at once.
 */
public final class AmibakeApplication {

    private AmibakeApplication() {
    }

    public static void main(String[] args) {
        System.exit(AmibakeCommand.commandLine(args).execute(args));
    }
}
