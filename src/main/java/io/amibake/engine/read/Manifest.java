package io.amibake.engine.read;

import io.amibake.engine.job.BakeJobConfiguration;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.text.Redactor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bake's report as JSON: recipe, execution, source image, image name, image and snapshot ids
 * per region, step timings across every run of the bake, and requests by operation.
 */
public final class Manifest {

    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final JsonMapper LINE = JsonMapper.builder().build();

    private Manifest() {
    }

    /** The manifest of a bake as its latest execution left it. */
    public static Map<String, Object> of(JobExecution execution, JobRepository repository) {
        BakeState state = BakeState.of(execution);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("recipe", state.recipeName());
        manifest.put("bake", state.bakeId());
        manifest.put("execution", execution.getId());
        manifest.put("status", execution.getStatus().name());
        manifest.put("sourceImage", state.sourceImageId());
        manifest.put("imageName", state.recipeYaml() == null ? state.imageName()
                : Redactor.of(state.recipe().secretValues()).redact(state.imageName()));
        manifest.put("regions", state.recipeYaml() == null ? Map.of() : regions(execution, repository, state));
        manifest.put("steps", steps(execution, repository));
        manifest.put("requests", state.requests());
        return manifest;
    }

    /** Each region's outcome: its image and snapshots, or why it failed, or that it has not run. */
    private static Map<String, Object> regions(JobExecution execution, JobRepository repository, BakeState state) {
        Map<String, StepExecution> latest = new LinkedHashMap<>();
        for (StepExecution step : allSteps(execution, repository)) {
            if (step.getStepName().startsWith(BakeJobConfiguration.REGION_PARTITION)) {
                latest.put(step.getStepName().substring(BakeJobConfiguration.REGION_PARTITION.length()), step);
            }
        }
        Map<String, Object> regions = new LinkedHashMap<>();
        for (String region : state.recipe().imageRegions()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            StepExecution step = latest.get(region);
            RegionState partition = step == null ? null : new RegionState(step.getExecutionContext());
            String status = step == null ? "not started" : switch (step.getStatus()) {
                case COMPLETED -> "available";
                case FAILED, STOPPED, ABANDONED -> "failed";
                default -> "in progress";
            };
            entry.put("status", status);
            entry.put("imageId", partition != null ? partition.imageId()
                    : region.equals(state.sourceRegion()) ? state.imageId() : null);
            entry.put("snapshotIds", partition != null ? partition.snapshotIds() : List.of());
            if (partition != null && partition.launchTemplateVersion() != null) {
                entry.put("launchTemplateVersion", partition.launchTemplateVersion());
            }
            if (partition != null && partition.deployedInstances() != null) {
                entry.put("instances", partition.deployedInstances());
            }
            if (step != null && !step.getFailureExceptions().isEmpty()) {
                entry.put("error", step.getFailureExceptions().get(0).getMessage());
            } else if (step != null && "failed".equals(status)) {
                entry.put("error", step.getExitStatus().getExitDescription());
            }
            regions.put(region, entry);
        }
        return regions;
    }

    public static void write(Map<String, Object> manifest, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, ".manifest", ".json");
            Files.writeString(temp, JSON.writeValueAsString(manifest) + "\n");
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the manifest " + file, e);
        }
    }

    /** The value as JSON on a single line. */
    public static String toLine(Object value) {
        return LINE.writeValueAsString(value);
    }

    private static List<StepExecution> allSteps(JobExecution execution, JobRepository repository) {
        List<StepExecution> all = new ArrayList<>();
        for (JobExecution each : repository.getJobExecutions(execution.getJobInstance())) {
            all.addAll(each.getId() == execution.getId() ? execution.getStepExecutions() : each.getStepExecutions());
        }
        all.sort(Comparator.comparing(StepExecution::getId));
        return all;
    }

    private static List<Map<String, Object>> steps(JobExecution execution, JobRepository repository) {
        List<Map<String, Object>> steps = new ArrayList<>();
        for (StepExecution step : allSteps(execution, repository)) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("step", step.getStepName());
            entry.put("execution", step.getJobExecutionId());
            entry.put("status", step.getStatus().name());
            entry.put("started", step.getStartTime() == null ? null : step.getStartTime().toString());
            if (step.getStartTime() != null && step.getEndTime() != null) {
                entry.put("millis", Duration.between(step.getStartTime(), step.getEndTime()).toMillis());
            }
            steps.add(entry);
        }
        return steps;
    }
}
