package io.amibake.engine.api;

import java.util.Map;

/**
 * What the command line asked to bake: the recipe text as read, its file and the variable
 * overrides. The first step copies it into the job's context; a resume never reads it.
 */
public record BakeRequest(String recipeYaml, String recipeFile, Map<String, String> variables) {

    public BakeRequest {
        variables = Map.copyOf(variables);
    }
}
