package io.amibake.lifecycle;

import io.amibake.bake.BakeLauncher;
import io.amibake.bake.BakeParameters;
import java.util.function.Function;
import org.springframework.batch.core.job.JobExecution;

/**
 * What the job repository says of a bake, read afresh on every call, for {@link Sweeper}: it asks
 * once when it plans and again right before it removes anything of the bake.
 */
public final class BakeStatuses implements Function<String, BakeStatus> {

    private final BakeLauncher launcher;

    public BakeStatuses(BakeLauncher launcher) {
        this.launcher = launcher;
    }

    @Override
    public BakeStatus apply(String bakeId) {
        return bakeId == null ? BakeStatus.UNKNOWN
                : launcher.latestOfBake(bakeId).map(this::status).orElse(BakeStatus.UNKNOWN);
    }

    /** A started execution whose recipe's lease names another bake, or none, was left by a dead process. */
    private BakeStatus status(JobExecution execution) {
        String bake = execution.getJobParameters().getString(BakeParameters.BAKE);
        String recipe = execution.getJobParameters().getString(BakeParameters.RECIPE);
        return switch (execution.getStatus()) {
            case STARTING, STARTED, STOPPING -> launcher.running(recipe).filter(l -> bake.equals(l.bakeId())).isPresent()
                    ? BakeStatus.RUNNING : BakeStatus.RESUMABLE;
            case FAILED, STOPPED -> BakeStatus.RESUMABLE;
            case COMPLETED -> BakeStatus.COMPLETED;
            case ABANDONED -> BakeStatus.ABANDONED;
            default -> BakeStatus.UNKNOWN;
        };
    }
}
