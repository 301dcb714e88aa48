package io.amibake.cli;

import io.amibake.engine.state.StepNames;
import io.amibake.engine.read.BakeFailures;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.engine.api.RegionDeployment;
import io.amibake.engine.read.RegionDeployments;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;

/** What {@code status --json} prints: the same facts as the tables, with UTC instants. */
final class StatusJson {

    private StatusJson() {
    }

    /** One line of the bake list. */
    static Map<String, Object> bake(JobExecution e) {
        BakeState state = BakeState.of(e);
        Map<String, Object> bake = new LinkedHashMap<>();
        bake.put("execution", e.getId());
        bake.put("bake", state.bakeId());
        bake.put("recipe", e.getJobParameters().getString(BakeParameters.RECIPE));
        bake.put("target", e.getJobParameters().getString(BakeParameters.TARGET));
        bake.put("status", e.getStatus().name());
        bake.put("step", e.getStepExecutions().stream().max(Comparator.comparing(StepExecution::getId))
                .map(StepExecution::getStepName).orElse(null));
        times(bake, e.getStartTime(), e.getEndTime());
        bake.put("imageId", state.imageId());
        return bake;
    }

    /** One execution with every step of every run of its bake, and the failure if any. */
    static Map<String, Object> execution(JobExecution execution, List<JobExecution> all) {
        Map<String, Object> json = bake(execution);
        json.put("imageName", BakeState.of(execution).imageName());
        List<Map<String, Object>> steps = new ArrayList<>();
        all.stream().flatMap(e -> e.getStepExecutions().stream())
                .sorted(Comparator.comparing(StepExecution::getId))
                .forEach(s -> {
                    Map<String, Object> step = new LinkedHashMap<>();
                    step.put("execution", s.getJobExecutionId());
                    step.put("step", s.getStepName());
                    step.put("status", s.getStatus().name());
                    times(step, s.getStartTime(), s.getEndTime());
                    steps.add(step);
                });
        json.put("steps", steps);
        json.put("failure", BakeFailures.describe(execution));
        json.put("regions", regions(execution, all).stream().map(StatusJson::region).toList());
        return json;
    }

    /**
     * One region of a bake as its latest partition left it: where the image is, and what the bake
     * tested and deployed there.
     *
     * @param status     the partition's status, or {@code NOT STARTED}
     * @param deployment null when the recipe neither tests the copy there nor deploys there
     */
    record Region(String region, String status, String imageId, RegionDeployment deployment) {
    }

    /** The bake's regions in the recipe's order; none when the bake's recipe is not stored. */
    static List<Region> regions(JobExecution execution, List<JobExecution> all) {
        BakeState state = BakeState.of(execution);
        if (state.recipeYaml() == null) {
            return List.of();
        }
        Map<String, StepExecution> latest = new LinkedHashMap<>();
        all.stream().flatMap(e -> (e.getId() == execution.getId() ? execution : e).getStepExecutions().stream())
                .filter(s -> s.getStepName().startsWith(StepNames.REGION_PARTITION))
                .sorted(Comparator.comparing(StepExecution::getId))
                .forEach(s -> latest.put(s.getStepName().substring(StepNames.REGION_PARTITION.length()), s));
        var recipe = state.recipe();
        List<Region> regions = new ArrayList<>();
        for (String region : recipe.imageRegions()) {
            StepExecution partition = latest.get(region);
            String imageId = partition != null ? RegionState.of(partition).imageId()
                    : region.equals(recipe.source().region()) ? state.imageId() : null;
            regions.add(new Region(region, partition == null ? "NOT STARTED" : partition.getStatus().name(), imageId,
                    RegionDeployments.of(recipe, region, partition)));
        }
        return regions;
    }

    private static Map<String, Object> region(Region r) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("region", r.region());
        json.put("status", r.status());
        json.put("imageId", r.imageId());
        RegionDeployment d = r.deployment();
        if (d != null && d.test() != null) {
            json.put("test", d.test());
        }
        if (d != null && d.launchTemplate() != null) {
            json.put("launchTemplate", d.launchTemplate());
            json.put("launchTemplateVersion", d.launchTemplateVersion());
        }
        if (d != null && d.instances() != null) {
            json.put("deploy", d.instances().outcome().json());
            json.put("instanceCount", d.instances().count());
            json.put("instances", d.instances().ids());
        }
        return json;
    }

    private static void times(Map<String, Object> json, LocalDateTime start, LocalDateTime end) {
        json.put("started", start == null ? null : start.atZone(ZoneId.systemDefault()).toInstant().toString());
        json.put("ended", end == null ? null : end.atZone(ZoneId.systemDefault()).toInstant().toString());
        json.put("millis", start == null || end == null ? null : Duration.between(start, end).toMillis());
    }
}
