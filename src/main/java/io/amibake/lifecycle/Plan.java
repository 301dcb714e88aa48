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
 */
public record Plan(String recipe, String sourceImage, String imageName, List<String> checks, List<String> problems,
                   Map<String, List<String>> creates) {

    public Plan {
        checks = List.copyOf(checks);
        problems = List.copyOf(problems);
        creates = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(creates));
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
