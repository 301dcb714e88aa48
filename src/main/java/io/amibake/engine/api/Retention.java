package io.amibake.engine.api;

import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.recipe.Recipe;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * The recipe's image retention, applied by a bake once its image is in every region. The
 * lifecycle capability provides it (the same rules as {@code amibake prune}); the engine only
 * calls it, so it never imports what sits above it.
 */
public interface Retention {

    /** Removes the recipe's images that its retention no longer keeps, saying what it does in lines. */
    void apply(Recipe recipe, Ec2Gateway ec2, SsmGateway ssm, LaunchTemplates templates, Clock clock,
               Consumer<String> lines);
}
