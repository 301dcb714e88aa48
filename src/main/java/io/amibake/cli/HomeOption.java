package io.amibake.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where amibake keeps its job repository and manifests. */
final class HomeOption {

    @Option(names = "--home", paramLabel = "DIR",
            description = "amibake's state directory (default: $AMIBAKE_HOME, or ~/.amibake where ~ is $HOME).")
    Path home;

    Path resolve() {
        if (home != null) {
            return home;
        }
        String env = System.getenv("AMIBAKE_HOME");
        return env != null && !env.isBlank() ? Path.of(env) : io.amibake.engine.store.UserHome.amibakeHome();
    }
}
