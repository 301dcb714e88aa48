package io.amibake.engine.read;

import io.amibake.engine.api.BakeDetail;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeSummary;
import io.amibake.engine.api.BakeView;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.state.RegionState;
import io.amibake.engine.state.StepNames;
import io.amibake.engine.state.TestState;
import io.amibake.engine.store.CommandOutputs;
import io.amibake.engine.store.WaitHistory;
import io.amibake.engine.wait.Expectation;
import io.amibake.engine.wait.Expectations;
import io.amibake.engine.wait.WaitKind;
import io.amibake.recipe.CommandPlan;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RemoteCommand;
import io.amibake.text.Redactor;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.stereotype.Component;

/**
 * Reads a bake's {@link BakeDetail} (every run, step, region, test and command of it) and a
 * recipe's bakes as {@link BakeSummary} lines, from the job repository and the kept command output.
 */
@Component
public class BakeDetails {

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

    public BakeDetails(JobRepository repository, CommandOutputs outputs, WaitHistory waits) {
        this.repository = repository;
        this.outputs = outputs;
        this.waits = waits;
    }

    /**
     * @param latest  the bake's latest execution
     * @param earlier whether the recipe has a bake against the same target that started before this
     *                one: only then are waits expected to take anything
     */
    public BakeDetail read(JobExecution latest, boolean earlier) {
        BakeState state = BakeState.of(latest);
        boolean stored = state.recipeYaml() != null;
        Recipe recipe = stored ? state.recipe() : null;
        List<JobExecution> executions = new ArrayList<>(repository.getJobExecutions(latest.getJobInstance()));
        executions.replaceAll(run -> run.getId() == latest.getId() ? latest : run);
        executions.sort(Comparator.comparing(JobExecution::getId));
        List<BakeDetail.Run> runs = new ArrayList<>();
        List<StepExecution> all = new ArrayList<>();
        for (JobExecution run : executions) {
            runs.add(new BakeDetail.Run(run.getId(), run.getStatus().name(), instant(run.getStartTime()),
                    instant(run.getEndTime())));
            all.addAll(run.getStepExecutions());
        }
        all.sort(Comparator.comparing(StepExecution::getId));
        String target = latest.getJobParameters().getString(BakeParameters.TARGET);
        Expectations expected = new Expectations(!earlier || state.recipeName() == null ? Map.of()
                : waits.load(state.recipeName(), target));
        String source = stored ? recipe.source().region() : null;

        List<BakeDetail.Step> steps = new ArrayList<>();
        Map<String, StepExecution> regionRuns = new LinkedHashMap<>();
        for (StepExecution step : all) {
            String region = StepNames.region(step.getStepName());
            if (region != null) {
                regionRuns.put(region, step);
            } else if (!step.getStepName().equals(StepNames.DISTRIBUTE)) {
                WaitKind kind = WAITS.get(step.getStepName());
                steps.add(new BakeDetail.Step(step.getStepName(), step.getJobExecutionId(), step.getStatus().name(),
                        instant(step.getStartTime()), instant(step.getEndTime()), error(step),
                        kind == null ? null : learned(expected.expected(kind, source))));
            }
        }
        List<BakeDetail.Region> regions = new ArrayList<>();
        for (String region : stored ? recipe.imageRegions() : List.copyOf(regionRuns.keySet())) {
            StepExecution step = regionRuns.get(region);
            boolean isSource = region.equals(source);
            Duration copyExpected = isSource ? null : learned(expected.expected(WaitKind.COPY_AVAILABLE,
                    Expectations.copyTarget(source, region)));
            var deployment = stored ? RegionDeployments.of(recipe, region, step) : null;
            regions.add(step == null
                    ? new BakeDetail.Region(region, isSource, "NOT STARTED", isSource ? state.imageId() : null, 0,
                            null, null, null, copyExpected, deployment)
                    : new BakeDetail.Region(region, isSource, step.getStatus().name(), RegionState.of(step).imageId(),
                            step.getJobExecutionId(), instant(step.getStartTime()), instant(step.getEndTime()),
                            error(step), copyExpected, deployment));
        }
        Redactor secrets = stored ? Redactor.of(recipe.secretValues()) : Redactor.NONE;
        return new BakeDetail(state.bakeId(), state.recipeName(), target, latest.getId(), latest.getStatus().name(),
                runs.isEmpty() ? null : runs.get(0).started(), instant(latest.getEndTime()),
                stored ? secrets.redact(state.imageName()) : state.imageName(), state.imageId(),
                state.sourceImageId(), source, BakeFailures.describe(latest),
                stored ? secrets.redact(state.recipeYaml()) : null, runs, steps, regions,
                stored ? tests(latest, recipe) : List.of(), state.requests(), state.retries(),
                outputs.of(state.bakeId()));
    }

    /**
     * The image test's checks: passed when done on the current test instance, failed when the test
     * step failed on it, pending otherwise.
     */
    private static List<BakeDetail.Test> tests(JobExecution latest, Recipe recipe) {
        List<RemoteCommand> planned = CommandPlan.tests(recipe);
        if (planned.isEmpty()) {
            return List.of();
        }
        TestState test = TestState.in(latest.getExecutionContext(), "test.");
        List<String> done = test.done();
        boolean passed = test.passedImage() != null;
        boolean failed = latest.getStepExecutions().stream()
                .anyMatch(s -> s.getStepName().equals("testImage") && s.getStatus().name().equals("FAILED"));
        List<BakeDetail.Test> tests = new ArrayList<>();
        boolean failureTold = false;
        for (RemoteCommand command : planned) {
            String status = passed || done.contains(command.key()) ? "passed"
                    : failed && !failureTold ? "failed" : "pending";
            failureTold |= status.equals("failed");
            tests.add(new BakeDetail.Test(command.name(), status));
        }
        return tests;
    }

    /** One bake in a line, from its latest execution. */
    public BakeSummary summary(JobExecution latest, BakeView view) {
        BakeState state = BakeState.of(latest);
        Instant started = null;
        Duration took = Duration.ZERO;
        int runs = 0;
        for (JobExecution run : repository.getJobExecutions(latest.getJobInstance())) {
            runs++;
            Instant start = instant(run.getStartTime());
            Instant end = instant(run.getEndTime());
            started = started == null || start != null && start.isBefore(started) ? start : started;
            if (start != null && end != null) {
                took = took.plus(Duration.between(start, end));
            }
        }
        Instant ended = instant(latest.getEndTime());
        return new BakeSummary(state.bakeId(), state.recipeName(), latest.getId(), latest.getStatus().name(),
                BakeResult.timedOut(latest), started, ended, ended == null ? null : took, runs,
                state.sourceImageId(), view == null ? Map.of() : view.images(),
                state.requests().values().stream().mapToLong(Long::longValue).sum());
    }

    /** Only what earlier bakes taught: a default guess is no expectation a person should see. */
    private static Duration learned(Expectation expectation) {
        return expectation == null || !expectation.trusted() ? null : expectation.duration();
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
