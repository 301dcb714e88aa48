package io.amibake.report;

import io.amibake.engine.state.StepNames;
import io.amibake.engine.read.BakeFailures;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.store.CommandOutputs;
import io.amibake.engine.state.RegionState;
import io.amibake.engine.store.WaitHistory;
import io.amibake.engine.wait.Expectation;
import io.amibake.engine.wait.Expectations;
import io.amibake.engine.wait.WaitKind;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/** Reads a bake's {@link BakeHistory} from the job repository and the kept command output. */
public final class BakeHistoryReader {

    /** How many earlier bakes of the recipe the history chart shows. */
    public static final int HISTORY = 20;

    /** The wait each step spends most of its time in, and so is expected to take. */
    private static final Map<String, WaitKind> WAITS = Map.of(
            "launchInstance", WaitKind.INSTANCE_RUNNING,
            "waitForAgent", WaitKind.AGENT_ONLINE,
            "stopInstance", WaitKind.INSTANCE_STOPPED,
            "waitForImage", WaitKind.IMAGE_AVAILABLE,
            "terminateInstance", WaitKind.INSTANCE_TERMINATED);

    private final JobRepository repository;
    private final CommandOutputs outputs;
    private final WaitHistory waits;

    public BakeHistoryReader(JobRepository repository, CommandOutputs outputs, WaitHistory waits) {
        this.waits = waits;
        this.repository = repository;
        this.outputs = outputs;
    }

    /**
     * @param latest the bake's latest execution
     * @param recent the newest executions in the repository, newest first, of any recipe: the
     *               recipe's history and the expectations come from them
     */
    public BakeHistory read(JobExecution latest, List<JobExecution> recent) {
        BakeState state = BakeState.of(latest);
        List<StepExecution> all = new ArrayList<>();
        Instant started = null;
        for (JobExecution run : repository.getJobExecutions(latest.getJobInstance())) {
            JobExecution each = run.getId() == latest.getId() ? latest : run;
            all.addAll(each.getStepExecutions());
            Instant at = instant(each.getStartTime());
            started = started == null || (at != null && at.isBefore(started)) ? at : started;
        }
        all.sort(Comparator.comparing(StepExecution::getId));
        String target = latest.getJobParameters().getString(BakeParameters.TARGET);
        // What the recipe's bakes have taught so far: the expectation a bake would have now.
        Expectations expected = new Expectations(state.recipeName() == null ? Map.of()
                : waits.load(state.recipeName(), target));
        String source = state.recipeYaml() == null ? null : state.recipe().source().region();

        List<BakeHistory.Step> steps = new ArrayList<>();
        Map<String, StepExecution> regionRuns = new LinkedHashMap<>();
        for (StepExecution step : all) {
            String name = step.getStepName();
            if (name.startsWith(StepNames.REGION_PARTITION)) {
                regionRuns.put(name.substring(StepNames.REGION_PARTITION.length()), step);
            } else if (!name.equals(StepNames.DISTRIBUTE)) {
                WaitKind kind = WAITS.get(name);
                steps.add(new BakeHistory.Step(name, step.getJobExecutionId(), step.getStatus().name(),
                        instant(step.getStartTime()), instant(step.getEndTime()), error(step),
                        kind == null ? null : duration(expected.expected(kind, source))));
            }
        }
        List<BakeHistory.Region> regions = new ArrayList<>();
        List<String> planned = state.recipeYaml() == null ? List.copyOf(regionRuns.keySet())
                : state.recipe().imageRegions();
        for (String region : planned) {
            StepExecution step = regionRuns.get(region);
            Duration copyExpected = duration(expected.expected(WaitKind.COPY_AVAILABLE,
                    Expectations.copyTarget(source, region)));
            RegionDeployment deployment = state.recipeYaml() == null ? null
                    : RegionDeployment.of(state.recipe(), region, step);
            regions.add(step == null
                    ? new BakeHistory.Region(region, "NOT STARTED", null, null, null, null, copyExpected, deployment)
                    : new BakeHistory.Region(region, step.getStatus().name(), RegionState.of(step).imageId(),
                            instant(step.getStartTime()), instant(step.getEndTime()), error(step), copyExpected,
                            deployment));
        }
        return new BakeHistory(state.bakeId(), state.recipeName(), target, latest.getId(),
                latest.getStatus().name(), started, instant(latest.getEndTime()), state.imageName(), state.imageId(),
                BakeFailures.describe(latest), steps, regions, state.requests(), state.retries(),
                outputs.of(state.bakeId()), recipeHistory(recent, state.recipeName()));
    }

    private static Duration duration(Expectation expectation) {
        return expectation == null ? null : expectation.duration();
    }

    private static List<BakeHistory.PastBake> recipeHistory(List<JobExecution> recent, String recipe) {
        return recent.stream()
                .filter(e -> recipe != null && recipe.equals(e.getJobParameters().getString(BakeParameters.RECIPE)))
                .limit(HISTORY)
                .map(e -> {
                    BakeState state = BakeState.of(e);
                    Instant start = state.startedAt() != null ? state.startedAt() : instant(e.getStartTime());
                    Instant end = instant(e.getEndTime());
                    return new BakeHistory.PastBake(state.bakeId(), e.getId(), e.getStatus().name(), start,
                            start == null || end == null ? null : Duration.between(start, end));
                })
                .toList();
    }

    private static String error(StepExecution step) {
        String description = step.getExitStatus().getExitDescription();
        if (description == null || description.isBlank()) {
            return null;
        }
        return description.lines().findFirst().orElse(null);
    }

    private static Instant instant(LocalDateTime time) {
        return time == null ? null : time.atZone(ZoneId.systemDefault()).toInstant();
    }
}
