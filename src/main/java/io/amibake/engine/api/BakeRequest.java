package io.amibake.engine.api;

import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import java.util.Map;
import java.util.Objects;

/**
 * What to bake: the recipe text as read, its file and the variable overrides, and the recipe
 * they parse to. The caller parses once (it validates the recipe before anything starts); the
 * bake uses that parse and stores the text with the bake. A resume never reads it, except to
 * replace the recipe a bake resumes with.
 */
public record BakeRequest(String recipeYaml, String recipeFile, Map<String, String> variables, Recipe recipe) {

    public BakeRequest {
        variables = Map.copyOf(variables);
        Objects.requireNonNull(recipe, "recipe");
    }

    /** Parses the text: for callers that have not validated it already. */
    public static BakeRequest of(String recipeYaml, String recipeFile, Map<String, String> variables)
            throws RecipeException {
        return new BakeRequest(recipeYaml, recipeFile, variables,
                RecipeLoader.parse(recipeYaml, recipeFile, variables));
    }
}
