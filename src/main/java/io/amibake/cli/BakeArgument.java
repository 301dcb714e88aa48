package io.amibake.cli;

import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeRef;
import io.amibake.recipe.RecipeException;
import io.amibake.recipe.RecipeLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The one way a command names a bake: a recipe's name or file (its newest bake), a bake id, or an
 * execution number (any execution of the bake). {@code status}, {@code logs}, {@code report},
 * {@code stop}, {@code abandon} and {@code resume} all take it; a name that matches nothing is
 * reported by the engine in one line naming what was tried and what exists (exit 2).
 */
final class BakeArgument {

    /** The placeholder every command shows for it. */
    static final String LABEL = "BAKE";

    /** What every command's help says of it. */
    static final String HELP = "A recipe's name or file (its newest bake), a bake id, or an execution number.";

    private BakeArgument() {
    }

    /** The bake a person names; null or blank names the newest bake of all. */
    static BakeRef find(BakeService bakes, String name) {
        return bakes.find(recipeName(name));
    }

    /** A recipe file's {@code name:}; any other name as given. */
    static String recipeName(String name) {
        if (name == null || !name.endsWith(".yaml") && !name.endsWith(".yml") || !Files.isRegularFile(Path.of(name))) {
            return name;
        }
        try {
            Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(RecipeLoader.readText(Path.of(name)));
            return root instanceof Map<?, ?> map && map.get("name") instanceof String recipe ? recipe : name;
        } catch (RecipeException | RuntimeException unreadable) {
            // Named as given: the engine's answer then says that nothing matches it.
            return name;
        }
    }
}
