package io.amibake.cloud;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tags amibake puts on everything it creates, so that every resource of a bake can be found
 * again by its bake id, whatever happened to the process that made it.
 */
public final class BakeTags {

    public static final String BAKE = "amibake:bake";
    public static final String RECIPE = "amibake:recipe";
    /** The execution in which the bake started: stable across its resumes. */
    public static final String EXECUTION = "amibake:execution";
    public static final String EXPIRES = "amibake:expires";

    private BakeTags() {
    }

    /**
     * Tags for the build instance and its volumes. Nothing that changes between runs of a bake
     * (the execution is the one the bake started in, not the current one):
     * they are part of RunInstances, whose client token a resume reuses, and EC2 refuses the same
     * token with other parameters (IdempotentParameterMismatch).
     */
    public static Map<String, String> forInstance(String recipe, String bakeId, long firstExecution) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("Name", "amibake build: " + recipe);
        tags.put(BAKE, bakeId);
        tags.put(RECIPE, recipe);
        tags.put(EXECUTION, Long.toString(firstExecution));
        return tags;
    }

    /** The recipe's own tags plus amibake's, for images and snapshots. */
    public static Map<String, String> forImage(Map<String, String> recipeTags, String recipe, String bakeId,
                                               String imageName) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("Name", imageName);
        tags.putAll(recipeTags);
        tags.put(BAKE, bakeId);
        tags.put(RECIPE, recipe);
        return tags;
    }
}
