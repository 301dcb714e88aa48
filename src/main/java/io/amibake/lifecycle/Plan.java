package io.amibake.lifecycle;

import java.util.List;
import java.util.Map;

/**
 * What {@code amibake plan} found out about a recipe without creating anything.
 *
 * @param recipe      the recipe's name
 * @param sourceImage the image the bake would start from ({@code ami-... (name)}), or null when it cannot be resolved
 * @param imageName   the image name as it renders now (a bake renders it again when it starts)
 * @param checks      what was checked and is fine, one line each
 * @param problems    everything that would make the bake fail, one line each; empty when all is well
 * @param creates     per region, in the order the image reaches them, what the bake would create or change
 * @param unchecked   what the bake will ask that nothing before it can check, and why, one line each
 */
public record Plan(String recipe, String sourceImage, String imageName, List<String> checks, List<String> problems,
                   Map<String, List<String>> creates, List<String> unchecked) {

    public Plan {
        checks = List.copyOf(checks);
        problems = List.copyOf(problems);
        creates = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(creates));
        unchecked = List.copyOf(unchecked);
    }

    /** A plan that names nothing as unchecked. */
    public Plan(String recipe, String sourceImage, String imageName, List<String> checks, List<String> problems,
                Map<String, List<String>> creates) {
        this(recipe, sourceImage, imageName, checks, problems, creates, List.of());
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
