package io.amibake.cloud;

import java.util.List;

/** Turns a recipe's source (an id, an SSM parameter or a filter) into one image id, as a bake does. */
public final class SourceImages {

    private SourceImages() {
    }

    /**
     * Where to find a source image: exactly one of an image id, an SSM parameter that names one,
     * or a filter (owners, name pattern, architecture) whose newest match is taken.
     */
    public record Query(String region, String ami, String parameter, List<String> owners, String name,
                        String architecture) {
    }

    /** The source's image id: the id itself, the SSM parameter's value, or the filter's newest match. */
    public static String resolve(Ec2Gateway ec2, SsmGateway ssm, Query source) {
        if (source.ami() != null) {
            return source.ami();
        }
        if (source.parameter() != null) {
            return ssm.parameter(source.region(), source.parameter());
        }
        return ec2.newestImage(source.region(), source.owners(), source.name(), source.architecture())
                .orElseThrow(() -> new CloudException("SourceImageNotFound", "no available image matches name '"
                        + source.name() + "', owners " + source.owners() + ", architecture "
                        + source.architecture() + " in " + source.region()))
                .id();
    }
}
