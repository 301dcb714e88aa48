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
    /**
     * On an image and its copies: the name of the SSM parameter its bake writes, as that bake
     * rendered it. Retention reads every name recorded so, so that a parameter whose name holds
     * variables keeps its image whatever the next bake's variables are.
     */
    public static final String PARAMETER = "amibake:parameter";
    /**
     * On an image in one region: when its region completed there (its tests passed, its instances
     * deployed, its parameter and launch template moved): a product that only retention removes.
     */
    public static final String PUBLISHED = "amibake:published";
    /** How the tests on an image went in its region, the last verdict: {@code passed} or {@code failed}. */
    public static final String TEST = "amibake:test";
    /** What an instance is for: {@code test}, {@code deploying}, or {@code deploy} once it passed its tests. */
    public static final String ROLE = "amibake:role";

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
        return forImage(recipeTags, recipe, bakeId, imageName, null);
    }

    /** As {@link #forImage(Map, String, String, String)}, recording the SSM parameter's name when there is one. */
    public static Map<String, String> forImage(Map<String, String> recipeTags, String recipe, String bakeId,
                                               String imageName, String parameter) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("Name", imageName);
        tags.putAll(recipeTags);
        tags.put(BAKE, bakeId);
        tags.put(RECIPE, recipe);
        if (parameter != null) {
            tags.put(PARAMETER, parameter);
        }
        return tags;
    }
}
