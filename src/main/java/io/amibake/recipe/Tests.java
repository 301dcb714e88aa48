package io.amibake.recipe;

import java.util.List;
import java.util.Objects;

/**
 * The {@code test} section: shell steps run through SSM on a fresh instance launched from the new
 * image, before any copy, so a broken image is never distributed.
 *
 * @param steps    the recipe's own steps, in order; one named like a preset's default replaces it
 * @param defaults whether the preset's default tests run too (before the recipe's own)
 * @param regions  {@code source}: test the image in the source region, before distribution;
 *                 {@code all}: test each copy in its region too, before anything is published there
 */
public record Tests(List<ShellStep> steps, boolean defaults, String regions) {

    public static final String SOURCE = "source";
    public static final String ALL = "all";
    public static final List<String> REGION_CHOICES = List.of(SOURCE, ALL);
    /** What a recipe without a {@code test} section gets: its preset's default tests, if any. */
    public static final Tests DEFAULT = new Tests(List.of(), true, SOURCE);

    public Tests {
        steps = List.copyOf(steps);
        Objects.requireNonNull(regions, "regions");
    }

    /** Whether each copy is tested in its region as well. */
    public boolean testsCopies() {
        return ALL.equals(regions);
    }
}
