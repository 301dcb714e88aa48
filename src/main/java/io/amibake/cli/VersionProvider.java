package io.amibake.cli;

import picocli.CommandLine.IVersionProvider;

/** Reads amibake's version from the jar manifest, or says it runs from sources. */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"amibake " + (version == null ? "(development build)" : version)};
    }
}
