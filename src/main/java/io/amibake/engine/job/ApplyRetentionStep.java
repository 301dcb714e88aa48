package io.amibake.engine.job;

import io.amibake.cloud.CloudException;
import io.amibake.cloud.LaunchTemplates;
import io.amibake.engine.api.Retention;
import io.amibake.recipe.Recipe;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Applies the recipe's retention once the new image is in every region: older images beyond
 * the policy go, with their snapshots. The new image is the newest, so it always stays. A cloud
 * error here does not undo a published image: the bake completes with a warning, and
 * {@code amibake prune} finishes the job.
 */
public final class ApplyRetentionStep implements Tasklet {

    public static final String NAME = "applyRetention";

    private final BakeRun run;
    private final BakeServices services;
    private final Retention retention;

    public ApplyRetentionStep(BakeRun run, Retention retention) {
        this.run = run;
        this.services = run.services();
        this.retention = retention;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) {
        Recipe recipe = run.state(chunk).recipe();
        if (recipe.image().retention() == null) {
            return RepeatStatus.FINISHED;
        }
        try {
            retention.apply(recipe, services.ec2(), services.ssm(), new LaunchTemplates(services.clients()),
                    services.clock(), line -> services.events().note(NAME, line));
        } catch (CloudException e) {
            services.events().note(NAME, "warning: retention stopped (" + e.code() + ": " + e.getMessage()
                    + "); 'amibake prune' finishes it");
        }
        return RepeatStatus.FINISHED;
    }
}
