package io.amibake.recipe;

import java.util.Objects;

/**
 * The base image and the region the build runs in. Exactly one of {@code ami},
 * {@code ssmParameter} and {@code filter} is set.
 */
public record Source(String region, String ami, String ssmParameter, SourceFilter filter) {

    public Source {
        Objects.requireNonNull(region, "region");
        int given = (ami != null ? 1 : 0) + (ssmParameter != null ? 1 : 0) + (filter != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("exactly one of ami, ssm and filter must be set");
        }
    }
}
