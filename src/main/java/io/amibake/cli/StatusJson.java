package io.amibake.cli;

import io.amibake.bake.BakeFailures;
import io.amibake.bake.BakeParameters;
import io.amibake.bake.BakeState;
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
        return json;
    }

    private static void times(Map<String, Object> json, LocalDateTime start, LocalDateTime end) {
        json.put("started", start == null ? null : start.atZone(ZoneId.systemDefault()).toInstant().toString());
        json.put("ended", end == null ? null : end.atZone(ZoneId.systemDefault()).toInstant().toString());
        json.put("millis", start == null || end == null ? null : Duration.between(start, end).toMillis());
    }
}
