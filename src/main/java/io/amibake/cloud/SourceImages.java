package io.amibake.cloud;

import io.amibake.recipe.Source;

/** Turns a recipe's source (an id, an SSM parameter or a filter) into one image id, as a bake does. */
public final class SourceImages {

    private SourceImages() {
    }

    /** The source's image id: the id itself, the SSM parameter's value, or the filter's newest match. */
    public static String resolve(Ec2Gateway ec2, SsmGateway ssm, Source source) {
        if (source.ami() != null) {
            return source.ami();
        }
        if (source.ssmParameter() != null) {
            return ssm.parameter(source.region(), source.ssmParameter());
        }
        var filter = source.filter();
        return ec2.newestImage(source.region(), filter.owners(), filter.name(), filter.architecture())
                .orElseThrow(() -> new CloudException("SourceImageNotFound", "no available image matches name '"
                        + filter.name() + "', owners " + filter.owners() + ", architecture "
                        + filter.architecture() + " in " + source.region()))
                .id();
    }
}
