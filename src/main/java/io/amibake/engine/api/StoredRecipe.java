package io.amibake.engine.api;

import java.util.List;
import java.util.Map;

/**
 * The recipe as a bake stored it when it began (or took an edit on resume): what a resume compares
 * the recipe's file with.
 *
 * @param file        the file it was read from, as given then (relative to where amibake ran)
 * @param yaml        its text
 * @param variables   the variables it was baked with, secret ones left out (amibake never stores them)
 * @param secretNames the names of its secret variables, whose values a resume must be given again
 */
public record StoredRecipe(String file, String yaml, Map<String, String> variables, List<String> secretNames) {

    public StoredRecipe {
        variables = Map.copyOf(variables);
        secretNames = List.copyOf(secretNames);
    }
}
