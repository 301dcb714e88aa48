package io.amibake.recipe;

import java.util.List;
import java.util.Objects;

/**
 * The {@code test} section: shell steps run through SSM on a fresh instance launched from the new
 * image, before any copy, so a broken image is never distributed.
 *
 * @param steps    the recipe's own steps, in order; one named like a preset's default replaces it
 * @param defaults whether the preset's default tests run too (before the recipe's own)
 * @param regions  {@code source}: test the image in the source region, before distribution (the only
 *                 choice so far; testing each copy in its region is not built yet)
 */
public record Tests(List<ShellStep> steps, boolean defaults, String regions) {

    public static final String SOURCE = "source";
    public static final List<String> REGION_CHOICES = List.of(SOURCE);
    /** What a recipe without a {@code test} section gets: its preset's default tests, if any. */
    public static final Tests DEFAULT = new Tests(List.of(), true, SOURCE);

    public Tests {
        steps = List.copyOf(steps);
        Objects.requireNonNull(regions, "regions");
    }
}
