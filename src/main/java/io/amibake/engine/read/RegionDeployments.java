package io.amibake.engine.read;

import io.amibake.engine.api.RegionDeployment;
import io.amibake.engine.api.RegionDeployment.Instances;
import io.amibake.engine.api.RegionDeployment.Outcome;
import io.amibake.engine.state.RegionState;
import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.Deploy;
import io.amibake.recipe.Recipe;
import java.util.List;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.step.StepExecution;

/** Reads a region's {@link RegionDeployment} from its partition's checkpoints. */
public final class RegionDeployments {

    private RegionDeployments() {
    }

    /**
     * @param partition the region's latest partition, or null when the region has not started
     * @return null when the recipe neither tests the copy in {@code region} nor deploys there
     */
    public static RegionDeployment of(Recipe recipe, String region, StepExecution partition) {
        Deploy deploy = recipe.deploy();
        boolean tested = recipe.test().testsCopies() && !region.equals(recipe.source().region())
                && !CommandPlan.tests(recipe).isEmpty();
        if (!tested && !deploy.covers(region) && !deploy.deploysInstances(region)) {
            return null;
        }
        RegionState state = partition == null ? null : RegionState.of(partition);
        BatchStatus status = partition == null ? null : partition.getStatus();
        boolean stoppedShort = status == BatchStatus.FAILED || status == BatchStatus.STOPPED
                || status == BatchStatus.ABANDONED || status == BatchStatus.UNKNOWN;
        return new RegionDeployment(tested ? test(state, status, stoppedShort) : null,
                deploy.covers(region) ? deploy.launchTemplate() : null,
                deploy.covers(region) && state != null ? state.launchTemplateVersion() : null,
                deploy.deploysInstances(region) ? instances(deploy.instances().count(), state, stoppedShort) : null,
                stoppedShort);
    }

    private static String test(RegionState state, BatchStatus status, boolean stoppedShort) {
        if (state == null) {
            return "pending";
        }
        if (state.imageId() != null && state.imageId().equals(state.copyTestPassedImage())) {
            return "passed";
        }
        // The copy is tested once it is available and before anything else is done with it.
        if (stoppedShort && state.imageId() != null && !state.snapshotIds().isEmpty()) {
            return status == BatchStatus.FAILED ? "failed" : "stopped";
        }
        return "pending";
    }

    private static Instances instances(int count, RegionState state, boolean stoppedShort) {
        if (state == null) {
            return new Instances(count, Outcome.PENDING, List.of());
        }
        List<String> deployed = state.deployedInstances();
        List<String> launched = state.deployLaunchedInstances();
        if (deployed != null) {
            // The deploy keeps the slots of the instances it launched; a later bake's are not among them.
            return new Instances(count, launched.containsAll(deployed) ? Outcome.DEPLOYED : Outcome.LATER_BAKE,
                    deployed);
        }
        if (stoppedShort) {
            return new Instances(count, Outcome.OLD_KEPT, List.of());
        }
        return launched.isEmpty() ? new Instances(count, Outcome.PENDING, List.of())
                : new Instances(count, Outcome.DEPLOYING, launched);
    }
}
