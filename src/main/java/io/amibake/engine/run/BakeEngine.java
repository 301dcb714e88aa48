package io.amibake.engine.run;

import io.amibake.engine.state.StepNames;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.Ec2Gateway;
import io.amibake.cloud.SsmGateway;
import io.amibake.engine.api.BakeBusyException;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.BakeService;
import io.amibake.engine.api.BakeStatus;
import io.amibake.engine.api.BakeView;
import io.amibake.engine.api.BakeRef;
import io.amibake.engine.api.RunView;
import io.amibake.engine.api.ExpectedWait;
import io.amibake.engine.api.StoredRecipe;
import io.amibake.engine.api.UnknownBakeException;
import io.amibake.engine.state.RecipeChanges;
import io.amibake.engine.wait.Expectation;
import io.amibake.engine.wait.WaitKind;
import io.amibake.cloud.AwsSettings;
import io.amibake.engine.api.Lease;
import io.amibake.engine.api.NothingToResumeException;
import io.amibake.engine.api.Target;
import io.amibake.engine.api.WrongTargetException;
import io.amibake.engine.job.BakeRun;
import io.amibake.engine.job.BakeServices;
import io.amibake.engine.job.OtherAccounts;
import io.amibake.engine.job.RedactingEvents;
import io.amibake.engine.job.RequestTally;
import io.amibake.engine.job.RunningBakes;
import io.amibake.engine.read.BakeFailures;
import io.amibake.engine.read.BakeViews;
import io.amibake.engine.api.BakeIds;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.store.BakeSecrets;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.store.BakeSettings;
import io.amibake.engine.store.WaitHistory;
import io.amibake.engine.read.BakeDetails;
import io.amibake.engine.api.BakeDetail;
import io.amibake.engine.api.BakeSummary;
import io.amibake.engine.wait.Expectations;
import io.amibake.engine.wait.Pacing;
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
import java.util.function.Supplier;
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
    private final Accounts accounts;
    private final BakeDetails details;
    private final Clock clock = Clock.systemUTC();
    /** One poller per account, region and describe call for all the bakes of this process. */
    private final SharedPollers pollers = new SharedPollers();
    private Clock timeoutClock = Clock.systemUTC();
    private Pacing pacing;

    public BakeEngine(JobRepository repository, JobOperator operator, Job bakeJob, RunningBakes running,
                      BakeLeases leases, BakeSettings settings, WaitHistory waitHistory, Accounts accounts,
                      BakeDetails details) {
        this.details = details;
        this.accounts = accounts;
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

    /** Another pacing than amibake's {@link PollPlan}: a benchmark's baseline that polls as another tool does. */
    @Autowired(required = false)
    void pacing(Pacing other) {
        this.pacing = other;
    }

    @Override
    public BakeResult start(BakeRequest request, Target given, Path manifest, BakeEvents events) throws Exception {
        Recipe recipe = request.recipe();
        String bakeId = BakeIds.newId(recipe.name(), clock.instant());
        // The recipe's role is part of where the bake runs: its account is the role's.
        Target target = given.withRole(roleOf(recipe));
        return held(target, recipe.name(), bakeId, () -> accounts.resolve(target), events, (resolved, guarded) -> {
            JobParameters parameters = new JobParametersBuilder()
                    .addString(BakeParameters.RECIPE, recipe.name())
                    .addString(BakeParameters.BAKE, bakeId)
                    .addString(BakeParameters.TARGET, resolved.toString(), false)
                    .toJobParameters();
            BakeSecrets.put(bakeId, recipe.secretValues());
            try {
                return run(parameters, request, recipe, resolved, manifestOr(manifest, bakeId), guarded);
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
    public BakeResult resume(long executionId, BakeRequest edited, Map<String, String> secrets, Target caller,
                             Path manifest, BakeEvents events, Consumer<BakeRef> beforeRun) throws Exception {
        JobExecution named = execution(executionId)
                .orElseThrow(() -> new NothingToResumeException("no bake with execution id " + executionId));
        String recipe = named.getJobParameters().getString(BakeParameters.RECIPE);
        String bakeId = named.getJobParameters().getString(BakeParameters.BAKE);
        Target own = targetOf(named);
        Target reach = reach(bakeId, own, caller).withRole(edited != null ? roleOf(edited.recipe()) : own.role());
        if (edited == null) {
            BakeState.of(named).requireSecrets(secrets);
        }
        // A bake that knows its account holds its lease before any call; one stored before
        // targets had accounts holds the account its credentials reach now.
        Supplier<Target> leased = () -> own.account() != null ? reach.withAccount(own.account())
                : accounts.resolve(reach);
        return held(reach, recipe, bakeId, leased, events, (target, guarded) -> {
            Target resolved = accounts.resolve(reach);
            if (own.account() != null && !own.account().equals(resolved.account())) {
                throw new WrongTargetException("bake " + bakeId + " belongs to target '" + own + "': these"
                        + " credentials reach account " + resolved.account() + "; resume it " + how(own));
            }
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
            beforeRun.accept(BakeViews.ref(last));
            return runAgain(last, edited, secrets, resolved, manifest, guarded);
        });
    }

    /** The role the recipe's build runs under, or null for the process's credentials. */
    private static Target.Role roleOf(Recipe recipe) {
        return recipe.aws() == null ? null
                : new Target.Role(recipe.aws().roleArn(), recipe.aws().externalId(), recipe.aws().sessionName());
    }

    @Override
    public Target targetOf(JobExecution execution) {
        return Target.parse(execution.getJobParameters().getString(BakeParameters.TARGET));
    }

    /**
     * The target a bake resumes against: its own, which a caller that names one must match. No
     * cloud call: a refusal here touches nothing.
     */
    private static Target reach(String bakeId, Target own, Target caller) {
        if (own.inProcess()) {
            if (caller != null && caller.inProcess() && caller.endpoint().equals(own.endpoint())) {
                return caller;
            }
            throw new WrongTargetException("bake " + bakeId + " ran against a sandbox inside the process that"
                    + " baked it (target '" + own + "'), which ended with that process: it cannot resume;"
                    + " bake again, or bake against 'amibake sandbox' with --endpoint-url to resume later");
        }
        if (caller == null) {
            return own.withAccount(null);
        }
        if (!caller.sameReach(own)) {
            throw new WrongTargetException("bake " + bakeId + " belongs to target '" + own + "', not '"
                    + caller.withAccount(null) + "'; resume it " + how(own));
        }
        return caller;
    }

    /** How to name a target on the command line. */
    private static String how(Target target) {
        List<String> options = new ArrayList<>();
        if (target.endpoint() != null) {
            options.add("--endpoint-url " + target.endpoint());
        }
        if (target.credentials().source() == Target.Source.PROFILE) {
            options.add("--profile " + target.credentials().name());
        }
        return options.isEmpty() ? "with the default credentials (no --profile, --endpoint-url or --sandbox)"
                : "with " + String.join(" ", options) + ", or with none of them";
    }

    /** Runs a stored bake again from its checkpoints, with its recipe parsed once for the run. */
    private BakeResult runAgain(JobExecution last, BakeRequest edited, Map<String, String> secrets, Target target,
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
            return run(last.getJobParameters(), null, recipe, target, manifestOr(manifest, state.bakeId()), events);
        } finally {
            BakeSecrets.remove(state.bakeId());
        }
    }

    private BakeResult run(JobParameters parameters, BakeRequest request, Recipe recipe, Target target,
                           Path manifest, BakeEvents events) throws Exception {
        String bakeId = parameters.getString(BakeParameters.BAKE);
        String recipeName = parameters.getString(BakeParameters.RECIPE);
        String waitKey = target.waitsKey();
        // A run whose lease is lost (this process was paused past it, say) stops at its next look,
        // and sends nothing more: another runner may have taken the bake over.
        StopSignal stop = new StopSignal(() -> leases.lost(target.key(), recipeName));
        var own = target.settings();
        var aws = own.withMaxAttempts(settings.requestAttempts()).assuming(own.role() == null ? null
                : settings.role(own.role().arn(), own.role().externalId(), own.role().sessionName()));
        Supplier<String> halted = () -> stop.leaseLost()
                ? "this run of bake " + bakeId + " lost its lease; another runner may own the bake now" : null;
        try (AwsClients clients = new AwsClients(aws, halted)) {
            Ec2Gateway ec2 = new Ec2Gateway(clients);
            SsmGateway ssm = new SsmGateway(clients);
            Pacing plan = pacing != null ? pacing
                    : PollPlan.DEFAULT.withDelays(settings.pollMinDelay(), settings.pollMaxDelay());
            String reach = aws.endpoint() + " " + aws.profile() + " " + aws.dummyCredentials();
            Expectations expectations = new Expectations(waitHistory.load(recipeName, waitKey),
                    target.endpoint() == null);
            Waits waits = new Waits(ec2, ssm, expectations, plan, stop, pollers,
                    reach + (aws.role() == null ? "" : " " + aws.role().arn()));
            BakeEvents redacting = RedactingEvents.of(events, recipe);
            OtherAccounts others = new OtherAccounts(account -> {
                var role = settings.role(account.role().roleArn(), account.role().externalId(),
                        account.role().sessionName());
                AwsClients there = new AwsClients(aws.assuming(role), halted, clients.requests());
                try {
                    there.checkCredentials();
                } catch (RuntimeException e) {
                    there.close();
                    throw e;
                }
                Ec2Gateway ec2There = new Ec2Gateway(there);
                SsmGateway ssmThere = new SsmGateway(there);
                return new BakeServices(there, ec2There, ssmThere, new Waits(ec2There, ssmThere, expectations, plan,
                        stop, pollers, reach + " " + role.arn()), settings, redacting, clock);
            });
            try (others) {
                BakeServices services = new BakeServices(clients, ec2, ssm, waits, settings, redacting, clock, others);
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
                    waitHistory.save(recipeName, waitKey, waits.expectations().snapshot());
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
                        manifest, Redactor.of(recipe.secretValues()).redact(error), timedOut,
                        BakeViews.of(execution, repository, recipe), recipe);
            }
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
    public Optional<BakeRef> awaitEnd(long executionId, Duration timeout) throws InterruptedException {
        CompletableFuture<JobExecution> ended = new CompletableFuture<>();
        ScheduledExecutorService looks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "amibake-await-end");
            thread.setDaemon(true);
            return thread;
        });
        looks.scheduleWithFixedDelay(() -> execution(executionId).filter(e -> !e.getStatus().isRunning())
                .ifPresent(ended::complete), 0, 1, TimeUnit.SECONDS);
        try {
            return Optional.of(BakeViews.ref(ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS)));
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
        Lease lease = leases.acquire(targetOf(execution).key(), recipe);
        try {
            return operator.recover(execution);
        } finally {
            leases.release(lease);
        }
    }

    @Override
    public RunView recover(long executionId) {
        return BakeViews.run(recover(execution(executionId)
                .orElseThrow(() -> new UnknownBakeException("no bake with execution " + executionId))));
    }

    @Override
    public JobExecution abandon(JobExecution execution) throws Exception {
        return operator.abandon(recover(execution));
    }

    @Override
    public BakeRef abandon(long executionId, AwsSettings cloud, boolean deleteImages, Consumer<String> progress)
            throws Exception {
        JobExecution named = execution(executionId)
                .orElseThrow(() -> new UnknownBakeException("no bake with execution " + executionId));
        JobExecution abandoned = abandon(repository.getLastJobExecution(named.getJobInstance()));
        BakeState state = BakeState.of(abandoned);
        if (state.recipeYaml() != null) {
            try (AwsClients clients = new AwsClients(cloud)) {
                BakeCleanup cleanup = new BakeCleanup(clients, clock, progress);
                cleanup.terminateInstances(state.recipe(), state.bakeId());
                if (deleteImages) {
                    cleanup.deleteImages(state.recipe(), state.bakeId());
                }
            }
        }
        return BakeViews.ref(abandoned);
    }

    @Override
    public BakeRef resumableBake(String recipe) {
        return BakeViews.ref(resumable(recipe));
    }

    @Override
    public BakeRef find(String name) {
        return latestOf(name).map(BakeViews::ref)
                .orElseThrow(() -> new UnknownBakeException(unknown(name)));
    }

    private Optional<JobExecution> latestOf(String name) {
        if (name == null || name.isBlank()) {
            return latestExecutions(null, 1).stream().findFirst();
        }
        if (name.chars().allMatch(Character::isDigit) && name.length() < 19) {
            Optional<JobExecution> byNumber = execution(Long.parseLong(name))
                    .map(e -> repository.getLastJobExecution(e.getJobInstance()));
            if (byNumber.isPresent()) {
                return byNumber;
            }
        }
        Optional<String> recipe = BakeIds.recipe(name);
        if (recipe.isPresent()) {
            JobInstance instance = repository.getJobInstance(StepNames.JOB, new JobParametersBuilder()
                    .addString(BakeParameters.RECIPE, recipe.get()).addString(BakeParameters.BAKE, name)
                    .toJobParameters());
            if (instance != null) {
                return Optional.ofNullable(repository.getLastJobExecution(instance));
            }
        }
        return latestExecutions(name, 1).stream().findFirst();
    }

    /** What was tried, and what there is to name instead. */
    private String unknown(String name) {
        List<String> recipes = latestExecutions(null, 200).stream()
                .map(e -> e.getJobParameters().getString(BakeParameters.RECIPE)).distinct().sorted().toList();
        if (name == null || name.isBlank()) {
            return "no bakes yet in " + settings.home() + "; 'amibake bake RECIPE-FILE' starts one";
        }
        boolean number = name.chars().allMatch(Character::isDigit);
        String tried = number ? "no execution " + name + ", bake id or recipe of that name"
                : BakeIds.recipe(name).isPresent() ? "no bake with that id, and no recipe of that name"
                : "no recipe of that name has bakes, and it is no execution number or bake id";
        return "no bake '" + name + "': " + tried + " in " + settings.home() + "; "
                + (recipes.isEmpty() ? "there are no bakes yet" : "recipes with bakes: " + String.join(", ", recipes))
                + " (see 'amibake status')";
    }

    @Override
    public Optional<StoredRecipe> storedRecipe(long executionId) {
        return execution(executionId).map(BakeState::of).filter(state -> state.recipeYaml() != null)
                .map(state -> new StoredRecipe(state.recipeFile(), state.recipeYaml(), state.variables(),
                        state.secretNames()));
    }

    @Override
    public List<String> conflicts(long executionId, Recipe edited, Map<String, String> secrets) {
        JobExecution named = execution(executionId)
                .orElseThrow(() -> new UnknownBakeException("no bake with execution " + executionId));
        return RecipeChanges.conflicts(BakeState.of(repository.getLastJobExecution(named.getJobInstance()))
                .withSecrets(secrets), edited);
    }

    @Override
    public List<ExpectedWait> expectedWaits(Recipe recipe, String waitsKey) {
        Expectations expected = new Expectations(waitHistory.load(recipe.name(), waitsKey));
        String source = recipe.source().region();
        List<ExpectedWait> waits = new ArrayList<>();
        wait(waits, "image", expected.expected(WaitKind.IMAGE_AVAILABLE, source));
        for (String region : recipe.imageRegions().subList(1, recipe.imageRegions().size())) {
            wait(waits, "copy to " + region, expected.expected(WaitKind.COPY_AVAILABLE,
                    Expectations.copyTarget(source, region)));
        }
        return waits;
    }

    private static void wait(List<ExpectedWait> waits, String what, Expectation expectation) {
        if (expectation != null) {
            waits.add(new ExpectedWait(what, expectation.duration(), expectation.trusted()));
        }
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
    public Optional<RunView> run(long executionId) {
        return execution(executionId).map(BakeViews::run);
    }

    @Override
    public List<RunView> runs(long executionId) {
        return execution(executionId).stream().flatMap(found -> executionsOf(found).stream())
                .sorted(Comparator.comparing(JobExecution::getId)).map(BakeViews::run).toList();
    }

    @Override
    public List<RunView> latestRuns(String recipe, int limit) {
        return latestExecutions(recipe, limit).stream().map(BakeViews::run).toList();
    }

    @Override
    public Optional<Recipe> recipe(long executionId) {
        return execution(executionId).map(found -> BakeState.of(found).recipe());
    }

    @Override
    public Optional<BakeView> view(long executionId) {
        return execution(executionId).map(execution -> BakeViews.of(execution, repository, null));
    }

    @Override
    public Optional<BakeDetail> detail(long executionId) {
        return execution(executionId).map(found -> {
            JobExecution latest = repository.getJobExecutions(found.getJobInstance()).stream()
                    .max(Comparator.comparing(JobExecution::getId)).orElse(found);
            String recipe = latest.getJobParameters().getString(BakeParameters.RECIPE);
            String target = latest.getJobParameters().getString(BakeParameters.TARGET);
            long instance = latest.getJobInstance().getInstanceId();
            boolean earlier = latestExecutions(recipe, 50).stream()
                    .anyMatch(other -> other.getJobInstance().getInstanceId() < instance
                            && java.util.Objects.equals(target, other.getJobParameters().getString(BakeParameters.TARGET)));
            return details.read(latest, earlier);
        });
    }

    @Override
    public List<BakeSummary> history(String recipe, int limit) {
        return latestExecutions(recipe, limit).stream()
                .map(latest -> details.summary(latest, BakeViews.of(latest, repository, null)))
                .toList();
    }

    @Override
    public List<JobExecution> executionsOf(JobExecution execution) {
        return repository.getJobExecutions(execution.getJobInstance());
    }

    @Override
    public List<JobExecution> latestExecutions(String recipe, int limit) {
        List<JobExecution> found = new ArrayList<>();
        for (JobInstance instance : repository.getJobInstances(StepNames.JOB, 0, limit * 4 + 20)) {
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
    public BakeStatus status(String bakeId) {
        Optional<String> recipe = BakeIds.recipe(bakeId);
        if (recipe.isEmpty()) {
            return BakeStatus.UNKNOWN;
        }
        JobInstance instance = repository.getJobInstance(StepNames.JOB, new JobParametersBuilder()
                .addString(BakeParameters.RECIPE, recipe.get()).addString(BakeParameters.BAKE, bakeId)
                .toJobParameters());
        JobExecution last = instance == null ? null : repository.getLastJobExecution(instance);
        if (last == null) {
            return BakeStatus.UNKNOWN;
        }
        return switch (last.getStatus()) {
            // A started execution whose recipe's lease names another bake, or none, was left by a dead process.
            case STARTING, STARTED, STOPPING -> running(recipe.get()).filter(l -> bakeId.equals(l.bakeId()))
                    .isPresent() ? BakeStatus.RUNNING : BakeStatus.RESUMABLE;
            case FAILED, STOPPED -> BakeStatus.RESUMABLE;
            case COMPLETED -> BakeStatus.COMPLETED;
            case ABANDONED -> BakeStatus.ABANDONED;
            default -> BakeStatus.UNKNOWN;
        };
    }

    @Override
    public Optional<Lease> running(String recipe) {
        return leases.live(recipe);
    }

    private Path manifestOr(Path manifest, String bakeId) {
        return manifest != null ? manifest : settings.home().resolve("manifests").resolve(bakeId + ".json");
    }

    private interface Run {
        BakeResult run(Target target, BakeEvents events) throws Exception;
    }

    /**
     * Runs with the recipe's lock and lease held, the heartbeat going, and Ctrl-C wired to stop
     * this bake (each run has its own hook, so a scheduler's Ctrl-C stops all of its bakes). The
     * lock on this host is keyed by how the target is reached, taken before any call; the lease by
     * the target's account, which {@code leased} may have to read.
     */
    private BakeResult held(Target reach, String recipe, String bakeId, Supplier<Target> leased, BakeEvents events,
                            Run body) throws Exception {
        String self = "host " + settings.host() + ", pid " + ProcessHandle.current().pid();
        RecipeLock.Result locked = RecipeLock.acquire(settings.home(), recipe, reach.withAccount(null).toString(),
                self);
        if (locked.lock().isEmpty()) {
            throw new BakeBusyException(recipe, locked.holder());
        }
        try (RecipeLock lock = locked.lock().get()) {
            Target target = leased.get();
            Lease lease = leases.acquire(target.key(), recipe);
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
                return body.run(target, events.whenStarted((execution, startedBake) -> {
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
