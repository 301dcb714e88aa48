package io.amibake.engine.run;

import io.amibake.engine.api.BakeBusyException;
import io.amibake.engine.api.BakeEvents;
import io.amibake.engine.api.BakeRequest;
import io.amibake.engine.api.BakeResult;
import io.amibake.engine.api.NothingToResumeException;
import io.amibake.engine.api.SecretNeededException;
import io.amibake.engine.state.BakeParameters;
import io.amibake.engine.state.BakeState;
import io.amibake.engine.store.BakeSettings;
import io.amibake.cloud.AwsClients;
import io.amibake.cloud.AwsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
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
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.stereotype.Component;

/**
 * The one way to run a bake: start, resume, stop, recover and abandon, for the command line and
 * any other runner alike. Every run holds its recipe's lock on this host and its lease in the job
 * repository, renewed on a heartbeat; the heartbeat also carries a stop asked for from another
 * process. Ctrl-C (a shutdown hook) stops the bake cleanly: STOPPED, resumable.
 */
@Component
public class BakeLauncher {

    private final BakeRunner runner;
    private final BakeLeases leases;
    private final JobRepository repository;
    private final BakeSettings settings;

    public BakeLauncher(BakeRunner runner, BakeLeases leases, JobRepository repository, BakeSettings settings) {
        this.runner = runner;
        this.leases = leases;
        this.repository = repository;
        this.settings = settings;
    }

    /** Starts a new bake of the recipe and runs it to its end. */
    public BakeResult start(BakeRequest request, String recipe, AwsSettings aws, String target, Path manifest,
                            BakeEvents events) throws Exception {
        checkCredentials(aws);
        return held(recipe, events, guarded -> runner.bake(request, recipe, aws, target, manifest, guarded));
    }

    /**
     * The bake that {@code resume RECIPE} means: the newest failed, stopped or orphaned bake of the
     * recipe, unless a newer bake of it has completed since.
     *
     * @throws NothingToResumeException when there is none, or it was superseded
     */
    public JobExecution resumable(String recipe) {
        JobExecution newerCompleted = null;
        List<JobExecution> byStart = runner.latestExecutions(recipe, 50).stream()
                .sorted(Comparator.comparing((JobExecution e) -> e.getJobInstance().getInstanceId()).reversed())
                .toList();
        for (JobExecution last : byStart) {
            if (last.getStatus() == BatchStatus.COMPLETED && newerCompleted == null) {
                newerCompleted = last;
            } else if (resumable(last)) {
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

    /** Whether a bake, given its latest execution, can resume. */
    public static boolean resumable(JobExecution last) {
        return switch (last.getStatus()) {
            case FAILED, STOPPED, STARTED, STARTING, STOPPING, UNKNOWN -> true;
            default -> false;
        };
    }

    /**
     * Runs a failed or stopped bake again from its checkpoints, with the edited recipe if one is
     * given. An execution left STARTED by a process that died is recovered first, once its lease
     * has expired; while the lease is live the resume is refused ({@link BakeBusyException}).
     *
     * @param beforeRun told the execution about to resume, once the lease is held
     */
    public BakeResult resume(long executionId, BakeRequest edited, AwsSettings aws, Path manifest, BakeEvents events,
                             Consumer<JobExecution> beforeRun) throws Exception {
        return resume(executionId, edited, edited == null ? Map.of() : edited.variables(), aws, manifest, events,
                beforeRun);
    }

    /**
     * As {@link #resume(long, BakeRequest, AwsSettings, Path, BakeEvents, Consumer)}, with the values
     * of the bake's secret variables given again: amibake never stores them. Names that are not
     * the bake's secrets are ignored.
     *
     * @throws SecretNeededException when one is missing, before any cloud call
     */
    public BakeResult resume(long executionId, BakeRequest edited, Map<String, String> secrets, AwsSettings aws,
                             Path manifest, BakeEvents events, Consumer<JobExecution> beforeRun) throws Exception {
        JobExecution named = execution(executionId)
                .orElseThrow(() -> new NothingToResumeException("no bake with execution id " + executionId));
        String recipe = named.getJobParameters().getString(BakeParameters.RECIPE);
        if (edited == null) {
            BakeState.of(named).requireSecrets(secrets);
        }
        checkCredentials(aws);
        return held(recipe, events, guarded -> {
            // Read again under the lease: the bake may have moved on since it was chosen.
            JobExecution last = repository.getLastJobExecution(named.getJobInstance());
            if (!resumable(last)) {
                throw new NothingToResumeException("nothing to resume for execution " + executionId + " (bake "
                        + BakeState.of(last).bakeId() + " is " + last.getStatus() + ")");
            }
            if (edited != null) {
                runner.replaceRecipe(last, edited);
            }
            beforeRun.accept(last);
            return runner.resume(last, secrets, aws, manifest, guarded);
        });
    }

    /**
     * Asks a running bake to stop at its next look, wherever it runs: the execution is marked
     * STOPPING in the repository and its owner's heartbeat sees it.
     */
    public void stop(long executionId) {
        JobExecution execution = execution(executionId)
                .orElseThrow(() -> new NothingToResumeException("no bake with execution id " + executionId));
        if (execution.getStatus() == BatchStatus.STARTED || execution.getStatus() == BatchStatus.STARTING) {
            execution.setStatus(BatchStatus.STOPPING);
            repository.update(execution);
        }
    }

    /**
     * The execution of a recipe's bake that runs now, wherever it runs: the one its live lease
     * names. Empty when no process holds the recipe, or its bake has not started its execution yet.
     */
    public Optional<JobExecution> runningExecution(String recipe) {
        return leases.live(recipe).map(BakeLeases.Lease::executionId).flatMap(this::execution)
                .filter(e -> e.getStatus().isRunning());
    }

    /**
     * Waits until an execution no longer runs (STOPPED, FAILED, COMPLETED...), looking at the
     * repository every second; empty when it still runs after {@code timeout}.
     */
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

    /**
     * Marks an execution left running by a process that died FAILED, so that it can resume or be
     * abandoned; refused while a live lease says its process still runs.
     */
    public JobExecution recover(JobExecution execution) {
        if (!execution.getStatus().isRunning()) {
            return execution;
        }
        String recipe = execution.getJobParameters().getString(BakeParameters.RECIPE);
        BakeLeases.Lease lease = leases.acquire(recipe);
        try {
            return runner.recover(execution);
        } finally {
            leases.release(lease);
        }
    }

    /** Gives a bake up for good; a bake whose process still runs is refused. */
    public JobExecution abandon(JobExecution execution) throws Exception {
        return runner.abandon(recover(execution));
    }

    public Optional<JobExecution> execution(long id) {
        return runner.execution(id);
    }

    public List<JobExecution> executionsOf(JobExecution execution) {
        return runner.executionsOf(execution);
    }

    /** The latest execution of each bake, newest first, optionally of one recipe only. */
    public List<JobExecution> latestExecutions(String recipe, int limit) {
        return runner.latestExecutions(recipe, limit);
    }

    /** The live lease of a recipe's running bake, if one runs anywhere. */
    public Optional<BakeLeases.Lease> running(String recipe) {
        return leases.live(recipe);
    }

    /** An unknown profile or no credentials at all is bad input, found before a bake record exists. */
    private static void checkCredentials(AwsSettings aws) {
        try (AwsClients clients = new AwsClients(aws)) {
            clients.checkCredentials();
        }
    }

    private interface Run {
        BakeResult run(BakeEvents events) throws Exception;
    }

    /** Runs with the recipe's lock and lease held, the heartbeat going, and Ctrl-C wired to stop. */
    private BakeResult held(String recipe, BakeEvents events, Run body) throws Exception {
        String self = "host " + settings.host() + ", pid " + ProcessHandle.current().pid();
        RecipeLock.Result locked = RecipeLock.acquire(settings.home(), recipe, self);
        if (locked.lock().isEmpty()) {
            throw new BakeBusyException(recipe, locked.holder());
        }
        try (RecipeLock lock = locked.lock().get()) {
            BakeLeases.Lease lease = leases.acquire(recipe);
            Heartbeat heartbeat = new Heartbeat(lease);
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                runner.requestStop();
                try {
                    finished.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "amibake-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                // Names the running execution in the lock and the lease once it is known.
                return body.run(events.whenStarted((execution, bakeId) -> {
                    lock.describe(self + ", bake " + bakeId + ", execution " + execution);
                    heartbeat.watch(bakeId, execution);
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

    /** How often a running bake looks in the repository for a stop asked for from another process. */
    private static final long STOP_LOOK_MILLIS = 2000;

    /**
     * Renews the lease every third of its life. A lease lost (expired and taken by another runner,
     * say after a long pause of this process) or a stop asked for in the repository stops the bake;
     * the latter is looked for every two seconds, so that {@code amibake stop} takes effect soon.
     */
    private final class Heartbeat implements AutoCloseable {

        private final BakeLeases.Lease lease;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "amibake-lease");
            thread.setDaemon(true);
            return thread;
        });
        private volatile Long execution;

        Heartbeat(BakeLeases.Lease lease) {
            this.lease = lease;
            long period = Math.max(100, leases.ttl().toMillis() / 3);
            timer.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
            long look = Math.min(period, STOP_LOOK_MILLIS);
            timer.scheduleWithFixedDelay(this::lookForStop, look, look, TimeUnit.MILLISECONDS);
        }

        void watch(String bakeId, long executionId) {
            leases.describe(lease, bakeId, executionId);
            execution = executionId;
        }

        private void beat() {
            try {
                if (!leases.renew(lease)) {
                    runner.requestStop(lease.recipe());
                    return;
                }
                Long id = execution;
                if (id != null) {
                    JobExecution current = repository.getJobExecution(id);
                    if (current != null && current.getStatus() == BatchStatus.STOPPING) {
                        runner.requestStop(lease.recipe());
                    }
                }
            } catch (RuntimeException databaseUnreachable) {
                // The next beat tries again; the lease outlives two missed beats.
            }
        }

        private void lookForStop() {
            try {
                Long id = execution;
                if (id != null && leases.stopAsked(id)) {
                    runner.requestStop();
                }
            } catch (RuntimeException databaseUnreachable) {
                // The next look tries again.
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
