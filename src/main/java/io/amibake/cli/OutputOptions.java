package io.amibake.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a bake reports: progress lines or JSON events, and where its manifest goes. */
final class OutputOptions {

    @Option(names = "--manifest", paramLabel = "FILE",
            description = "Where to write the manifest (default: HOME/manifests/BAKE-ID.json).")
    Path manifest;

    @Option(names = "--json", description = "Write one JSON event per line instead of progress lines.")
    boolean json;
}
