package io.amibake.cli;

import picocli.CommandLine.IVersionProvider;

/**
 * Reads amibake's version from the jar manifest; without a jar (the container image runs the
 * classes unpacked), from the {@code amibake.version} system property its entrypoint sets; else
 * says it runs from sources.
 */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = VersionProvider.class.getPackage().getImplementationVersion();
        if (version == null) {
            version = System.getProperty("amibake.version");
        }
        return new String[] {"amibake " + (version == null ? "(development build)" : version)};
    }
}
