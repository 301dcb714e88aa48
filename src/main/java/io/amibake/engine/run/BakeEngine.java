package io.amibake.engine.run;

import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.api.BakeBusyException;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.Lease;
import io.amibake.engine.api.NothingToResumeException;
import io.amibake.engine.job.BakeJobConfiguration;
import io.amibake.engine.job.BakeRun;
import io.amibake.engine.job.BakeServices;
import io.amibake.engine.job.RedactingEvents;
import io.amibake.engine.job.RequestTally;
import io.amibake.engine.job.RunningBakes;
import io.amibake.engine.read.BakeFailures;
import io.amibake.engine.state.BakeIds;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeSecrets;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.store.BakeSettings;
import io.amibake.engine.store.WaitHistory;
import io.amibake.engine.wait.Expectations;
import io.amibake.engine.wait.PollPlan;
import io.amibake.engine.wait.SharedPollers;
import io.amibake.engine.wait.StopSignal;
import io.amibake.engine.wait.Waits;
import io.amibake.recipe.Durations;
import io.amibake.recipe.Recipe;
import io.amibake.text.Redactor;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
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
 * The bake service of this process: every run of the bake job starts here, with the recipe's
 * lock on this host and its lease in the job repository held, a heartbeat renewing the lease and
 * listening for a stop, and Ctrl-C wired to stop the run. The run gets the recipe parsed once
 * (by the caller for a new bake, from what the bake stored for a resume) and registers it in
 * {@link RunningBakes}, where the job's step-scoped tasklets find it.
 */
@Component
public class BakeEngine implements BakeService {

    private final JobRepository repository;
    private final JobOperator operator;
    private final Job job;
    private final RunningBakes running;
    private final BakeLeases leases;
    private final BakeSettings settings;
    private final WaitHistory waitHistory;
    private final Clock clock = Clock.systemUTC();
    /** One poller per account, region and describe call for all the bakes of this process. */
    private final SharedPollers pollers = new SharedPollers();
    private Clock timeoutClock = Clock.systemUTC();

    public BakeEngine(JobRepository repository, JobOperator operator, Job bakeJob, RunningBakes running,
                      BakeLeases leases, BakeSettings settings, WaitHistory waitHistory) {
        this.repository = repository;
        this.operator = operator;
        this.job = bakeJob;
        this.running = running;
        this.leases = leases;
        this.settings = settings;
        this.waitHistory = waitHistory;
    }

    /**
     * The clock {@code build.timeout} is measured on, when not the system's: a test baking
     * against a scaled sandbox gives one that reads the sandbox's time.
     */
    @Autowired(required = false)
    void timeoutClock(@Qualifier("timeoutClock") Clock clock) {
        this.timeoutClock = clock;
    }

    @Override
    public BakeResult start(BakeRequest request, AwsSettings aws, String target, Path manifest, BakeEvents events)
            throws Exception {
        checkCredentials(aws);
        Recipe recipe = request.recipe();
        String bakeId = BakeIds.newId(recipe.name(), clock.instant());
        return held(recipe.name(), bakeId, events, guarded -> {
            JobParameters parameters = new JobParametersBuilder()
                    .addString(BakeParameters.RECIPE, recipe.name())
                    .addString(BakeParameters.BAKE, bakeId)
                    .addString(BakeParameters.TARGET, target, false)
                    .toJobParameters();
            BakeSecrets.put(bakeId, recipe.secretValues());
            try {
                return run(parameters, request, recipe, aws, manifestOr(manifest, bakeId), guarded);
            } finally {
                BakeSecrets.remove(bakeId);
            }
        });
    }

    @Override
    public JobExecution resumable(String recipe) {
        JobExecution newerCompleted = null;
        List<JobExecution> byStart = latestExecutions(recipe, 50).stream()
                .sorted(Comparator.comparing((JobExecution e) -> e.getJobInstance().getInstanceId()).reversed())
                .toList();
        for (JobExecution last : byStart) {
            if (last.getStatus() == BatchStatus.COMPLETED && newerCompleted == null) {
                newerCompleted = last;
            } else if (BakeService.resumable(last)) {
                if (newerCompleted != null) {
                    throw new NothingToResumeException("bake " + BakeState.of(last).bakeId() + " (execution "
                            + last.getId() + ", " + last.getStatus() + ") was superseded by bake "
                            + BakeState.of(newerCompleted).bakeId() + " (execution " + newerCompleted.getId()
                            + "), which completed later; give --execution " + last.getId() + " to resume it anyway");
                }
                return last;
            }
        }
        throw new NothingToResumeException("nothing to resume for recipe '" + recipe + "'"
                + (newerCompleted == null ? "" : " (its latest bake, execution " + newerCompleted.getId()
                + ", completed)"));
    }

    @Override
    public BakeResult resume(long executionId, BakeRequest edited, Map<String, String> secrets, AwsSettings aws,
                             Path manifest, BakeEvents events, Consumer<JobExecution> beforeRun) throws Exception {
        JobExecution named = execution(executionId)
                .orElseThrow(() -> new NothingToResumeException("no bake with execution id " + executionId));
        String recipe = named.getJobParameters().getString(BakeParameters.RECIPE);
        String bakeId = named.getJobParameters().getString(BakeParameters.BAKE);
        if (edited == null) {
            BakeState.of(named).requireSecrets(secrets);
        }
        checkCredentials(aws);
        return held(recipe, bakeId, events, guarded -> {
            // Read again under the lease: the bake may have moved on since it was chosen.
            JobExecution last = repository.getLastJobExecution(named.getJobInstance());
            if (!BakeService.resumable(last)) {
                throw new NothingToResumeException("nothing to resume for execution " + executionId + " (bake "
                        + BakeState.of(last).bakeId() + " is " + last.getStatus() + ")");
            }
            if (edited != null) {
                BakeState.of(last).recipe(edited.recipeYaml(), edited.recipeFile(), edited.variables(),
                        edited.recipe().secrets());
                repository.updateExecutionContext(last);
            }
            beforeRun.accept(last);
            return runAgain(last, edited, secrets, aws, manifest, guarded);
        });
    }

    /** Runs a stored bake again from its checkpoints, with its recipe parsed once for the run. */
    private BakeResult runAgain(JobExecution last, BakeRequest edited, Map<String, String> secrets, AwsSettings aws,
                                Path manifest, BakeEvents events) throws Exception {
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
            Recipe recipe = edited != null ? edited.recipe() : state.recipe();
            return run(last.getJobParameters(), null, recipe, aws, manifestOr(manifest, state.bakeId()), events);
        } finally {
            BakeSecrets.remove(state.bakeId());
        }
    }

    private BakeResult run(JobParameters parameters, BakeRequest request, Recipe recipe, AwsSettings aws,
                           Path manifest, BakeEvents events) throws Exception {
        String bakeId = parameters.getString(BakeParameters.BAKE);
        String recipeName = parameters.getString(BakeParameters.RECIPE);
        String target = parameters.getString(BakeParameters.TARGET);
        StopSignal stop = new StopSignal();
        try (AwsClients clients = new AwsClients(aws)) {
            Ec2Gateway ec2 = new Ec2Gateway(clients);
            SsmGateway ssm = new SsmGateway(clients);
            PollPlan plan = new PollPlan(settings.pollMinDelay(), settings.pollMaxDelay(),
                    PollPlan.DEFAULT.blindGrowth(), PollPlan.DEFAULT.lateGrowth());
            Waits waits = new Waits(ec2, ssm, new Expectations(waitHistory.load(recipeName, target)), plan,
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

    @Override
    public void stop(long executionId) {
        JobExecution execution = execution(executionId)
                .orElseThrow(() -> new NothingToResumeException("no bake with execution id " + executionId));
        if (execution.getStatus() == BatchStatus.STARTED || execution.getStatus() == BatchStatus.STARTING) {
            execution.setStatus(BatchStatus.STOPPING);
            repository.update(execution);
        }
    }

    @Override
    public Optional<JobExecution> runningExecution(String recipe) {
        return leases.live(recipe).map(Lease::executionId).flatMap(this::execution)
                .filter(e -> e.getStatus().isRunning());
    }

    @Override
    public Optional<JobExecution> awaitEnd(long executionId, Duration timeout) throws InterruptedException {
        CompletableFuture<JobExecution> ended = new CompletableFuture<>();
        ScheduledExecutorService looks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "amibake-await-end");
            thread.setDaemon(true);
            return thread;
        });
        looks.scheduleWithFixedDelay(() -> execution(executionId).filter(e -> !e.getStatus().isRunning())
                .ifPresent(ended::complete), 0, 1, TimeUnit.SECONDS);
        try {
            return Optional.of(ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException stillRunning) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            looks.shutdownNow();
        }
    }

    @Override
    public JobExecution recover(JobExecution execution) {
        if (!execution.getStatus().isRunning()) {
            return execution;
        }
        String recipe = execution.getJobParameters().getString(BakeParameters.RECIPE);
        Lease lease = leases.acquire(recipe);
        try {
            return operator.recover(execution);
        } finally {
            leases.release(lease);
        }
    }

    @Override
    public JobExecution abandon(JobExecution execution) throws Exception {
        return operator.abandon(recover(execution));
    }

    @Override
    public Optional<JobExecution> execution(long id) {
        try {
            return Optional.ofNullable(repository.getJobExecution(id));
        } catch (EmptyResultDataAccessException unknown) {
            // Spring Batch 6 throws here where 5 returned null.
            return Optional.empty();
        }
    }

    @Override
    public List<JobExecution> executionsOf(JobExecution execution) {
        return repository.getJobExecutions(execution.getJobInstance());
    }

    @Override
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

    @Override
    public Optional<Lease> running(String recipe) {
        return leases.live(recipe);
    }

    /** An unknown profile or no credentials at all is bad input, found before a bake record exists. */
    private static void checkCredentials(AwsSettings aws) {
        try (AwsClients clients = new AwsClients(aws)) {
            clients.checkCredentials();
        }
    }

    private Path manifestOr(Path manifest, String bakeId) {
        return manifest != null ? manifest : settings.home().resolve("manifests").resolve(bakeId + ".json");
    }

    private interface Run {
        BakeResult run(BakeEvents events) throws Exception;
    }

    /**
     * Runs with the recipe's lock and lease held, the heartbeat going, and Ctrl-C wired to stop
     * this bake (each run has its own hook, so a scheduler's Ctrl-C stops all of its bakes).
     */
    private BakeResult held(String recipe, String bakeId, BakeEvents events, Run body) throws Exception {
        String self = "host " + settings.host() + ", pid " + ProcessHandle.current().pid();
        RecipeLock.Result locked = RecipeLock.acquire(settings.home(), recipe, self);
        if (locked.lock().isEmpty()) {
            throw new BakeBusyException(recipe, locked.holder());
        }
        try (RecipeLock lock = locked.lock().get()) {
            Lease lease = leases.acquire(recipe);
            Heartbeat heartbeat = new Heartbeat(leases, lease, repository, () -> running.requestStop(bakeId));
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                running.requestStop(bakeId);
                try {
                    finished.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "amibake-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                // Names the running execution in the lock and the lease once it is known.
                return body.run(events.whenStarted((execution, startedBake) -> {
                    lock.describe(self + ", bake " + startedBake + ", execution " + execution);
                    heartbeat.watch(startedBake, execution);
                }));
            } finally {
                heartbeat.close();
                leases.release(lease);
                finished.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running and waits for this run to end.
                }
            }
        }
    }
}
