package io.amibake.lifecycle;

import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.api.Retention;
import io.amibake.recipe.Recipe;
import java.time.Clock;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;

/** The retention a completed bake applies: {@link Pruner}'s, as {@code amibake prune} applies it. */
@Component
public class BakeRetention implements Retention {

    @Override
    public void apply(Recipe recipe, Ec2Gateway ec2, SsmGateway ssm, LaunchTemplates templates, Clock clock,
                      Consumer<String> lines) {
        new Pruner(ec2, ssm, templates, clock).prune(recipe, lines);
    }
}
