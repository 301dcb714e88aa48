package io.amibake.recipe;

import java.util.Map;
import java.util.Objects;

/**
 * The image to create.
 *
 * @param name        a naming template, rendered once per bake
 * @param description a template for the image description
 * @param tags        the recipe's tags, put on the image and its snapshots in every region
 * @param retention   how many of the recipe's images stay in each region, or {@code null} to keep all
 * @param settings    deprecation, deregistration protection and IMDS support of the image and its copies
 */
public record ImageSpec(String name, String description, Map<String, String> tags, Retention retention,
                        ImageSettings settings) {

    public ImageSpec(String name, String description, Map<String, String> tags) {
        this(name, description, tags, null, null);
    }

    public ImageSpec {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        tags = Map.copyOf(tags == null ? Map.of() : tags);
        settings = settings == null ? ImageSettings.NONE : settings;
    }
}
