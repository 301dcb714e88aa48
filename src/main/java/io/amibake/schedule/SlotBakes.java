package io.amibake.schedule;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.api.NothingToResumeException;
import io.amibake.engine.state.RecipeChanges;
import io.amibake.cloud.SourceImages;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;

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

    JobExecution resumable(String name) {
        try {
            return launcher.resumable(name);
        } catch (NothingToResumeException nothing) {
            return null;
        }
    }

    /** Whether the bake has the recipe's text and the variables given now (secret ones are never stored). */
    static boolean same(JobExecution bake, RecipeFiles.Version version) {
        BakeState state = BakeState.of(bake);
        return version.yaml().equals(state.recipeYaml()) && version.storedVariables().equals(state.variables());
    }

    /**
     * The edited recipe a resume takes, when the file changed since the bake began and the edit
     * touches only what the bake has not done yet; null otherwise.
     */
    BakeRequest edit(JobExecution bake, RecipeFiles.Version version) {
        if (same(bake, version)) {
            return null;
        }
        List<String> conflicts = RecipeChanges.conflicts(BakeState.of(bake).withSecrets(version.variables()),
                version.recipe());
        if (!conflicts.isEmpty()) {
            log.accept(version.name() + ": the recipe was edited where bake " + BakeState.of(bake).bakeId()
                    + " already went past (" + String.join("; ", conflicts) + "); a new bake starts instead");
            return null;
        }
        return new BakeRequest(version.yaml(), version.file().toString(), version.variables(), version.recipe());
    }

    /** Why a {@code sourceChanged} slot has nothing to do, or null when it has. */
    String unchanged(RecipeFiles.Version version) {
        JobExecution completed = launcher.latestExecutions(version.name(), 50).stream()
                .filter(e -> e.getStatus() == BatchStatus.COMPLETED)
                .findFirst().orElse(null);
        if (completed == null || !same(completed, version)) {
            return null;
        }
        BakeState last = BakeState.of(completed);
        String source;
        try (AwsClients clients = new AwsClients(aws)) {
            source = SourceImages.resolve(new Ec2Gateway(clients), new SsmGateway(clients),
                    version.recipe().source().query());
        }
        if (!source.equals(last.sourceImageId())) {
            return null;
        }
        return "source unchanged: image " + source + " and the recipe are those of bake " + last.bakeId()
                + " (image " + last.imageId() + ")";
    }
}
