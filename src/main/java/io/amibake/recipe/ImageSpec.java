package io.amibake.recipe;

import java.util.Map;
import java.util.Objects;

/**
 * The image to create.
 *
 * @param name        a naming template, rendered once per bake
 * @param description a template for the image description
 * @param tags        the recipe's tags, put on the image and its snapshots in every region
 */
public record ImageSpec(String name, String description, Map<String, String> tags) {

    public ImageSpec {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        tags = Map.copyOf(tags == null ? Map.of() : tags);
    }
}
