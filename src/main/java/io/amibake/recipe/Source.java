package io.amibake.recipe;

import io.amibake.cloud.SourceImages;
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

    /** The source as the cloud looks it up. */
    public SourceImages.Query query() {
        return new SourceImages.Query(region, ami, ssmParameter, filter == null ? null : filter.owners(),
                filter == null ? null : filter.name(), filter == null ? null : filter.architecture());
    }
}
