package io.amibake.recipe;

import java.util.List;
import java.util.Objects;

/**
 * Finds the base image by owner and name pattern; the newest match wins.
 *
 * @param owners       account ids or aliases such as {@code amazon}
 * @param name         an image name pattern with {@code *} and {@code ?} wildcards
 * @param architecture {@code x86_64} or {@code arm64}
 */
public record SourceFilter(List<String> owners, String name, String architecture) {

    public SourceFilter {
        owners = List.copyOf(owners == null ? List.of() : owners);
        Objects.requireNonNull(name, "name");
        architecture = architecture == null ? "x86_64" : architecture;
    }
}
