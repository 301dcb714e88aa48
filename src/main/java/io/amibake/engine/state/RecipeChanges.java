package io.amibake.engine.state;

import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RemoteCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides whether an edited recipe may replace the one a bake started with. Only what has not
 * happened yet may change; the common case is a fixed provisioning script that failed.
 */
public final class RecipeChanges {

    private RecipeChanges() {
    }

    /** What already happened and would differ under the edited recipe; empty when it may resume. */
    public static List<String> conflicts(BakeState state, Recipe edited) {
        Recipe old = state.recipe();
        List<String> conflicts = new ArrayList<>();
        if (!old.name().equals(edited.name())) {
            conflicts.add("the recipe name changed from '" + old.name() + "' to '" + edited.name() + "'");
        }
        if (state.sourceImageId() != null && !Objects.equals(old.source(), edited.source())) {
            conflicts.add("resolveSource: the source changed, but the bake already resolved "
                    + state.sourceImageId());
        }
        if (state.instanceId() != null && !Objects.equals(old.build(), edited.build())) {
            conflicts.add("launchInstance: build settings changed, but the bake already launched "
                    + state.instanceId());
        }
        if (!Objects.equals(old.image().name(), edited.image().name())
                || !Objects.equals(old.image().description(), edited.image().description())) {
            conflicts.add("prepare: image.name or image.description changed, but the bake already named its image '"
                    + state.imageName() + "'");
        }
        if (state.imageId() != null && !Objects.equals(old.image().tags(), edited.image().tags())) {
            conflicts.add("createImage: image.tags changed, but the bake already created " + state.imageId());
        }
        if (state.snapshotIds().size() > 0 && !Objects.equals(old.regions(), edited.regions())) {
            conflicts.add("distribute: regions changed, but distribution of " + state.imageId()
                    + " to " + old.imageRegions() + " has begun");
        }
        Map<String, RemoteCommand> before = byKey(CommandPlan.of(old));
        Map<String, RemoteCommand> after = byKey(CommandPlan.of(edited));
        for (String done : state.commandsDone()) {
            RemoteCommand now = after.get(done);
            if (now == null) {
                conflicts.add("command '" + done + "' already ran, and the edited recipe removes it");
            } else if (!Objects.equals(before.get(done), now)) {
                conflicts.add("command '" + done + "' already ran, and the edited recipe changes it");
            }
        }
        return conflicts;
    }

    private static Map<String, RemoteCommand> byKey(List<RemoteCommand> commands) {
        return commands.stream().collect(Collectors.toMap(RemoteCommand::key, Function.identity(), (a, b) -> a));
    }
}
