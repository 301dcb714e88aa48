package io.amibake.bake;

import io.amibake.aws.AwsClients;
import io.amibake.aws.AwsSettings;
import io.amibake.aws.Ec2Gateway;
import io.amibake.aws.SsmGateway;
import io.amibake.bake.wait.Expectations;
import io.amibake.bake.wait.Pacing;
import io.amibake.bake.wait.PollPlan;
import io.amibake.bake.wait.StopSignal;
import io.amibake.bake.wait.SharedPollers;
import io.amibake.bake.wait.Waits;
import io.amibake.recipe.Recipe;
import io.amibake.recipe.RecipeLoader;
import io.amibake.recipe.Durations;
import io.amibake.text.Redactor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.stereotype.Component;

/**
 * Starts and resumes bakes, and finds them again: the one place the command line meets the job
 * repository.
 */
@Component
public class BakeRunner {

    private final JobRepository repository;
    private final JobOperator operator;
    private final Job job;
    private final RunningBakes running;
    private final BakeSettings settings;
    private final Clock clock;
    private final WaitHistory waitHistory;
    /** One poller per account, region and describe call for all the bakes of this process. */
    private final SharedPollers pollers = new SharedPollers();
    private Clock timeoutClock = Clock.systemUTC();
    private Pacing pacing;

    public BakeRunner(JobRepository repository, JobOperator operator, Job bakeJob, RunningBakes running,
                      BakeSettings settings, WaitHistory waitHistory) {
        this.repository = repository;
        this.waitHistory = waitHistory;
        this.operator = operator;
        this.job = bakeJob;
        this.running = running;
        this.settings = settings;
        this.clock = Clock.systemUTC();
    }

    /**
     * The clock {@code build.timeout} is measured on, when not the system's: a test baking
     * against a scaled sandbox gives one that reads the sandbox's time.
     */
    @Autowired(required = false)
    void timeoutClock(@Qualifier("timeoutClock") Clock clock) {
        this.timeoutClock = clock;
    }

    /** Another pacing than amibake's {@link PollPlan}: a benchmark's baseline that polls as another tool does. */
    @Autowired(required = false)
    void pacing(Pacing other) {
        this.pacing = other;
    }

    /** Asks every bake running in this process to stop at its next look; each ends STOPPED and can be resumed. */
    public void requestStop() {
        running.requestStop();
    }

    /** Asks the recipe's bake running in this process, if any, to stop at its next look. */
    public void requestStop(String recipe) {
        running.requestStop(recipe);
    }

    /** Starts a new bake of the recipe and runs it to its end. */
    public BakeResult bake(BakeRequest request, String recipeName, AwsSettings aws, String target,
                           Path manifest, BakeEvents events) throws Exception {
        String bakeId = BakeIds.newId(recipeName, clock.instant());
        JobParameters parameters = new JobParametersBuilder()
                .addString(BakeParameters.RECIPE, recipeName)
                .addString(BakeParameters.BAKE, bakeId)
                .addString(BakeParameters.TARGET, target, false)
                .toJobParameters();
        Recipe recipe = RecipeLoader.parse(request.recipeYaml(), request.recipeFile(), request.variables());
        BakeSecrets.put(bakeId, recipe.secretValues());
        try {
            return run(parameters, request, recipe, aws, manifestOr(manifest, bakeId), events);
        } finally {
            BakeSecrets.remove(bakeId);
        }
    }

    /**
     * Runs a failed or stopped bake again from its checkpoints. An execution left STARTED by a
     * process that died is recovered first.
     */
    public BakeResult resume(JobExecution last, AwsSettings aws, Path manifest, BakeEvents events) throws Exception {
        return resume(last, Map.of(), aws, manifest, events);
    }

    /**
     * Resumes with the values of the bake's secret variables given again (they are never stored);
     * other names in {@code secrets} are ignored.
     *
     * @throws SecretNeededException when one is missing, before anything runs
     */
    public BakeResult resume(JobExecution last, Map<String, String> secrets, AwsSettings aws, Path manifest,
                             BakeEvents events) throws Exception {
        BakeState.of(last).requireSecrets(secrets);
        if (last.getStatus() == BatchStatus.STARTED || last.getStatus() == BatchStatus.STARTING
                || last.getStatus() == BatchStatus.STOPPING) {
            last = operator.recover(last);
        }
        BakeState state = BakeState.of(last);
        Map<String, String> values = new HashMap<>(secrets);
        values.keySet().retainAll(state.secretNames());
        BakeSecrets.put(state.bakeId(), values);
        try {
            return run(last.getJobParameters(), null, state.recipe(), aws, manifestOr(manifest, state.bakeId()),
                    events);
        } finally {
            BakeSecrets.remove(state.bakeId());
        }
    }

    /** Replaces the recipe stored with a bake before it resumes. */
    public void replaceRecipe(JobExecution last, BakeRequest edited) {
        BakeState.of(last).recipe(edited.recipeYaml(), edited.recipeFile(), edited.variables());
        repository.updateExecutionContext(last);
    }

    private BakeResult run(JobParameters parameters, BakeRequest request, Recipe recipe, AwsSettings aws, Path manifest,
                           BakeEvents events) throws Exception {
        String bakeId = parameters.getString(BakeParameters.BAKE);
        String recipeName = parameters.getString(BakeParameters.RECIPE);
        String target = parameters.getString(BakeParameters.TARGET);
        StopSignal stop = new StopSignal();
        try (AwsClients clients = new AwsClients(aws)) {
            Ec2Gateway ec2 = new Ec2Gateway(clients);
            SsmGateway ssm = new SsmGateway(clients);
            Pacing plan = pacing != null ? pacing
                    : PollPlan.DEFAULT.withDelays(settings.pollMinDelay(), settings.pollMaxDelay());
            Waits waits = new Waits(ec2, ssm, new Expectations(waitHistory.load(recipeName, target),
                    "aws".equals(target)), plan,
                    stop, pollers, aws.endpoint() + " " + aws.profile() + " " + aws.dummyCredentials());
            BakeServices services = new BakeServices(clients, ec2, ssm, waits, settings,
                    RedactingEvents.of(events, recipe), clock);
            BakeRun run = new BakeRun(bakeId, recipeName, recipe, services, request, manifest, stop,
                    new RequestTally(clients.requests()));
            Duration timeout = recipe.build().timeout();
            JobExecution execution;
            boolean timedOut;
            running.add(run);
            try (BuildTimeout watchdog = BuildTimeout.start(timeout, timeoutClock, stop)) {
                execution = operator.start(job, parameters);
                timedOut = watchdog.expired();
            } finally {
                running.remove(run);
            }
            try {
                waitHistory.save(recipeName, target, waits.expectations().snapshot());
            } catch (DataAccessException e) {
                // The bake itself is done and saved; only the next one's pacing loses this run.
                events.note("bake", "could not keep how long this run's waits took: " + e.getMessage());
            }
            BakeState state = BakeState.of(execution, recipe);
            String error = BakeFailures.describe(execution);
            timedOut &= execution.getStatus() != BatchStatus.COMPLETED;
            if (timedOut) {
                String reason = "the run took longer than build.timeout (" + Durations.human(timeout)
                        + ") and was stopped";
                error = reason + (error == null ? "" : "\n" + error);
                // Kept with the run, so that what reads the history later (the notifier's
                // "recovered", a scheduler closing a dead one's slot) tells it from a requested stop.
                execution.setExitStatus(new ExitStatus(BakeResult.TIMED_OUT, reason));
                repository.update(execution);
            }
            return new BakeResult(execution.getId(), bakeId, execution.getStatus().name(), state.imageId(),
                    manifest, Redactor.of(recipe.secretValues()).redact(error), timedOut);
        }
    }

    /** The latest execution of each bake, newest first, optionally of one recipe only. */
    public List<JobExecution> latestExecutions(String recipe, int limit) {
        List<JobExecution> found = new ArrayList<>();
        for (JobInstance instance : repository.getJobInstances(BakeJobConfiguration.JOB_NAME, 0, limit * 4 + 20)) {
            JobExecution last = repository.getLastJobExecution(instance);
            if (last != null && (recipe == null
                    || recipe.equals(last.getJobParameters().getString(BakeParameters.RECIPE)))) {
                found.add(last);
            }
            if (found.size() >= limit) {
                break;
            }
        }
        found.sort(Comparator.comparing(JobExecution::getId).reversed());
        return found;
    }

    /** The newest bake of the recipe that can resume: failed, stopped, or left started by a dead process. */
    public Optional<JobExecution> latestResumable(String recipe) {
        return latestExecutions(recipe, 50).stream()
                .filter(e -> e.getStatus() == BatchStatus.FAILED || e.getStatus() == BatchStatus.STOPPED
                        || e.getStatus() == BatchStatus.STARTED || e.getStatus() == BatchStatus.STOPPING)
                .findFirst();
    }

    public Optional<JobExecution> execution(long id) {
        try {
            return Optional.ofNullable(repository.getJobExecution(id));
        } catch (EmptyResultDataAccessException unknown) {
            // Spring Batch 6 throws here where 5 returned null.
            return Optional.empty();
        }
    }

    public List<JobExecution> executionsOf(JobExecution execution) {
        return repository.getJobExecutions(execution.getJobInstance());
    }

    public JobExecution abandon(JobExecution execution) throws Exception {
        return operator.abandon(recover(execution));
    }

    /** Marks an execution left running by a dead process FAILED; the launcher checks its lease first. */
    JobExecution recover(JobExecution execution) {
        return execution.getStatus().isRunning() ? operator.recover(execution) : execution;
    }

    private Path manifestOr(Path manifest, String bakeId) {
        return manifest != null ? manifest : settings.home().resolve("manifests").resolve(bakeId + ".json");
    }
}
