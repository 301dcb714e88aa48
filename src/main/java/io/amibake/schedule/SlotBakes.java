package io.amibake.schedule;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.api.BakeRef;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.RunView;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.NothingToResumeException;
import io.amibake.cloud.SourceImages;
import java.util.List;
import java.util.function.Consumer;

/**
 * Which bake a slot runs: the recipe's resumable bake, with an edit of the recipe when the edit
 * touches only what the bake has not done yet, or else a new one; and, for
 * {@code when: sourceChanged}, why there is nothing to bake.
 */
final class SlotBakes {

    private final BakeService launcher;
    private final AwsSettings aws;
    private final Consumer<String> log;

    SlotBakes(BakeService launcher, AwsSettings aws, Consumer<String> log) {
        this.launcher = launcher;
        this.aws = aws;
        this.log = log;
    }

    BakeRef resumable(String name) {
        try {
            return launcher.resumableBake(name);
        } catch (NothingToResumeException nothing) {
            return null;
        }
    }

    /** Whether the bake has the recipe's text and the variables given now (secret ones are never stored). */
    boolean same(long execution, RecipeFiles.Version version) {
        return launcher.storedRecipe(execution).filter(stored -> version.yaml().equals(stored.yaml())
                && version.storedVariables().equals(stored.variables())).isPresent();
    }

    /**
     * The edited recipe a resume takes, when the file changed since the bake began and the edit
     * touches only what the bake has not done yet; null otherwise.
     */
    BakeRequest edit(BakeRef bake, RecipeFiles.Version version) {
        if (same(bake.execution(), version)) {
            return null;
        }
        List<String> conflicts = launcher.conflicts(bake.execution(), version.recipe(), version.variables());
        if (!conflicts.isEmpty()) {
            log.accept(version.name() + ": the recipe was edited where bake " + bake.bakeId()
                    + " already went past (" + String.join("; ", conflicts) + "); a new bake starts instead");
            return null;
        }
        return new BakeRequest(version.yaml(), version.file().toString(), version.variables(), version.recipe());
    }

    /** Why a {@code sourceChanged} slot has nothing to do, or null when it has. */
    String unchanged(RecipeFiles.Version version) {
        RunView last = launcher.latestRuns(version.name(), 50).stream().filter(RunView::completed)
                .findFirst().orElse(null);
        if (last == null || !same(last.execution(), version)) {
            return null;
        }
        String source;
        try (AwsClients clients = new AwsClients(aws)) {
            source = SourceImages.resolve(new Ec2Gateway(clients), new SsmGateway(clients),
                    version.recipe().source().query());
        }
        if (!source.equals(last.sourceImage())) {
            return null;
        }
        return "source unchanged: image " + source + " and the recipe are those of bake " + last.bakeId()
                + " (image " + last.imageId() + ")";
    }
}
