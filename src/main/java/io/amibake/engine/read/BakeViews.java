package io.amibake.engine.read;

import io.amibake.engine.state.StepNames;
import io.amibake.engine.api.BakeView;
import io.amibake.engine.api.RegionView;
import io.amibake.engine.api.StepView;
import io.amibake.engine.api.Target;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.recipe.Recipe;
import io.amibake.text.Redactor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * Reads a bake from the job repository into a {@link BakeView}: the one place that turns step
 * executions into regions and steps by their names.
 */
public final class BakeViews {

    private BakeViews() {
    }

    /**
     * The bake as its latest execution left it, with the recipe its run parsed (no parse here),
     * or null outside a run to read the recipe stored with the bake.
     */
    public static BakeView of(JobExecution execution, JobRepository repository, Recipe recipe) {
        BakeState state = recipe == null ? BakeState.of(execution) : BakeState.of(execution, recipe);
        boolean stored = state.recipeYaml() != null;
        List<StepExecution> all = allSteps(execution, repository);
        String imageName = !stored ? state.imageName()
                : Redactor.of(state.recipe().secretValues()).redact(state.imageName());
        String failedStep = null;
        List<String> failedRegions = new ArrayList<>();
        for (StepExecution step : execution.getStepExecutions().stream()
                .sorted(Comparator.comparing(StepExecution::getId)).toList()) {
            if (step.getStatus() != BatchStatus.FAILED || step.getStepName().equals(StepNames.DISTRIBUTE)) {
                continue;
            }
            String region = region(step);
            if (region != null) {
                failedRegions.add(region);
            } else if (failedStep == null) {
                failedStep = step.getStepName();
            }
        }
        return new BakeView(state.recipeName(), state.bakeId(), execution.getId(), execution.getStatus().name(),
                Target.parse(execution.getJobParameters().getString(BakeParameters.TARGET)), state.sourceImageId(),
                imageName, stored ? regions(all, state) : List.of(), all.stream().map(BakeViews::step).toList(),
                failedStep, failedRegions, state.requests());
    }

    private static String region(StepExecution step) {
        return StepNames.region(step.getStepName());
    }

    /** Each region's outcome: its image and snapshots, or why it failed, or that it has not run. */
    private static List<RegionView> regions(List<StepExecution> all, BakeState state) {
        Map<String, StepExecution> latest = new LinkedHashMap<>();
        for (StepExecution step : all) {
            String region = region(step);
            if (region != null) {
                latest.put(region, step);
            }
        }
        List<RegionView> regions = new ArrayList<>();
        for (String region : state.recipe().imageRegions()) {
            StepExecution step = latest.get(region);
            RegionState partition = step == null ? null : RegionState.of(step);
            String status = step == null ? "not started" : switch (step.getStatus()) {
                case COMPLETED -> "available";
                case FAILED, STOPPED, ABANDONED -> "failed";
                default -> "in progress";
            };
            String error = null;
            if (step != null && !step.getFailureExceptions().isEmpty()) {
                error = step.getFailureExceptions().get(0).getMessage();
            } else if (step != null && "failed".equals(status)) {
                error = step.getExitStatus().getExitDescription();
            }
            regions.add(new RegionView(region, status, partition != null ? partition.imageId()
                    : region.equals(state.sourceRegion()) ? state.imageId() : null,
                    partition != null ? partition.snapshotIds() : List.of(),
                    partition == null ? null : partition.launchTemplateVersion(),
                    partition == null ? null : partition.deployedInstances(), error));
        }
        return regions;
    }

    private static StepView step(StepExecution step) {
        return new StepView(step.getStepName(), region(step), step.getJobExecutionId(), step.getStatus().name(),
                step.getStartTime(), step.getEndTime(), step.getStepName().equals(StepNames.DISTRIBUTE));
    }

    private static List<StepExecution> allSteps(JobExecution execution, JobRepository repository) {
        List<StepExecution> all = new ArrayList<>();
        for (JobExecution each : repository.getJobExecutions(execution.getJobInstance())) {
            all.addAll(each.getId() == execution.getId() ? execution.getStepExecutions() : each.getStepExecutions());
        }
        all.sort(Comparator.comparing(StepExecution::getId));
        return all;
    }
}
