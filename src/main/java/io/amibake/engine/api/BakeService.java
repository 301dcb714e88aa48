package io.amibake.engine.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.springframework.batch.core.job.JobExecution;

/**
 * The engine's one face: starts, resumes, stops, recovers and abandons bakes, and finds them
 * again. Every run holds its recipe's lock on this host and its lease in the job repository,
 * renewed on a heartbeat that also carries a stop asked for from another process; Ctrl-C stops
 * the run cleanly (STOPPED, resumable). The command line, the scheduler and the tests all go
 * through it: nothing else launches the bake job.
 */
public interface BakeService {

    /**
     * Starts a new bake of the request's recipe, parsed once by the caller, against the target, and
     * runs it to its end. The target's account is read first (STS): credentials that do not work
     * are bad input, found before a bake record exists.
     */
    BakeResult start(BakeRequest request, Target target, Path manifest, BakeEvents events) throws Exception;

    /**
     * Runs a failed or stopped bake again from its checkpoints, with the edited recipe if one is
     * given, and the values of the bake's secret variables given again (amibake never stores
     * them; other names are ignored). An execution left STARTED by a process that died is
     * recovered first, once its lease has expired; while the lease is live the resume is refused
     * ({@link BakeBusyException}).
     * <p>
     * A bake resumes against its own target. A caller that names one ({@code caller} not null)
     * must name the bake's (the same endpoint and credentials), and the credentials must reach the
     * bake's account; otherwise {@link WrongTargetException} says in one line which target the
     * bake belongs to, before any call to EC2 or SSM. A bake of an in-process sandbox resumes only
     * in the process whose sandbox it ran against.
     *
     * @param caller    the target the caller would bake against, or null to use the bake's own
     * @param beforeRun told the execution about to resume, once the lease is held
     * @throws SecretNeededException when a secret's value is missing, before any cloud call
     */
    BakeResult resume(long executionId, BakeRequest edited, Map<String, String> secrets, Target caller,
                      Path manifest, BakeEvents events, Consumer<JobExecution> beforeRun) throws Exception;

    /** Resumes a bake as stored, without secrets or an edited recipe. */
    default BakeResult resume(long executionId, Target caller, Path manifest, BakeEvents events) throws Exception {
        return resume(executionId, null, Map.of(), caller, manifest, events, execution -> { });
    }

    /** The target a stored bake belongs to. */
    Target targetOf(JobExecution execution);

    /**
     * The bake that {@code resume RECIPE} means: the newest failed, stopped or orphaned bake of the
     * recipe, unless a newer bake of it has completed since.
     *
     * @throws NothingToResumeException when there is none, or it was superseded
     */
    JobExecution resumable(String recipe);

    /**
     * Asks one running bake to stop at its next look, wherever it runs: the execution is marked
     * STOPPING in the repository and its owner's heartbeat sees it. Other bakes of the same
     * process go on.
     */
    void stop(long executionId);

    /**
     * Marks an execution left running by a process that died FAILED, so that it can resume or be
     * abandoned; refused while a live lease says its process still runs.
     */
    JobExecution recover(JobExecution execution);

    /** Gives a bake up for good; a bake whose process still runs is refused. */
    JobExecution abandon(JobExecution execution) throws Exception;

    Optional<JobExecution> execution(long id);

    /** The bake an execution belongs to, as that execution left it (its stored recipe read once). */
    Optional<BakeView> view(long executionId);

    /**
     * The bake an execution belongs to, every run of it, as its latest execution left it: its steps
     * and regions with their errors and expected waits, its tests, its commands' output, its recipe.
     */
    Optional<BakeDetail> detail(long executionId);

    /** A recipe's latest bakes, newest first, one line each. */
    List<BakeSummary> history(String recipe, int limit);

    /** Every execution of the bake the given one belongs to. */
    List<JobExecution> executionsOf(JobExecution execution);

    /**
     * What the job repository says of the bake with this id (its {@code amibake:bake} tag), read
     * now: {@code sweep} asks when it plans and again right before it removes anything of it.
     */
    BakeStatus status(String bakeId);

    /** The latest execution of each bake, newest first, optionally of one recipe only. */
    List<JobExecution> latestExecutions(String recipe, int limit);

    /**
     * The execution of a recipe's bake that runs now, wherever it runs: the one its live lease
     * names. Empty when no process holds the recipe, or its bake has not started its execution yet.
     */
    Optional<JobExecution> runningExecution(String recipe);

    /** The live lease of a recipe's running bake, if one runs anywhere. */
    Optional<Lease> running(String recipe);

    /**
     * Waits until an execution no longer runs (STOPPED, FAILED, COMPLETED...); empty when it still
     * runs after {@code timeout}.
     */
    Optional<JobExecution> awaitEnd(long executionId, Duration timeout) throws InterruptedException;

    /** Whether a bake, given its latest execution, can resume. */
    static boolean resumable(JobExecution last) {
        return switch (last.getStatus()) {
            case FAILED, STOPPED, STARTED, STARTING, STOPPING, UNKNOWN -> true;
            default -> false;
        };
    }
}
