package io.amibake.engine.api;

import io.amibake.cloud.AwsSettings;
import io.amibake.recipe.Recipe;
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
                      Path manifest, BakeEvents events, Consumer<BakeRef> beforeRun) throws Exception;

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

    /** {@link #resumable(String)}, as the bake's latest execution left it. */
    BakeRef resumableBake(String recipe);

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

    /**
     * {@link #recover(JobExecution)} by the execution's id: the run as recovering it left it, or
     * as it was when it no longer ran.
     *
     * @throws UnknownBakeException when there is no such execution
     */
    RunView recover(long executionId);

    /** Gives a bake up for good; a bake whose process still runs is refused. */
    JobExecution abandon(JobExecution execution) throws Exception;

    /**
     * Gives the bake of an execution up for good, then terminates its build, test and untested
     * instances in every region through {@code cloud}, and with {@code deleteImages} deregisters
     * its images too; what protections keep stays, and is reported. A bake stored without its
     * recipe is only marked.
     *
     * @param progress told each thing removed or kept, in a line
     * @return the bake as abandoning it left it
     */
    BakeRef abandon(long executionId, AwsSettings cloud, boolean deleteImages, Consumer<String> progress)
            throws Exception;

    /**
     * The bake a person names, as its latest execution left it: an execution number (any of the
     * bake's executions), a bake id, or a recipe's name (its newest bake); null or blank names the
     * newest bake of all.
     *
     * @throws UnknownBakeException naming what was tried and which recipes have bakes
     */
    BakeRef find(String name);

    /** The recipe the bake of an execution stored, or empty for a bake stored without it. */
    Optional<StoredRecipe> storedRecipe(long executionId);

    /**
     * What an edit of a bake's recipe would change in what the bake already did: empty when the
     * bake may resume with it. The values of its secret variables are given again.
     */
    List<String> conflicts(long executionId, Recipe edited, Map<String, String> secrets);

    /** What the waits of the recipe's next bake against a target are expected to take, by its earlier bakes. */
    List<ExpectedWait> expectedWaits(Recipe recipe, String waitsKey);

    Optional<JobExecution> execution(long id);

    /** One run of a bake, as its execution holds it now. */
    Optional<RunView> run(long executionId);

    /** Every run of the bake the given execution belongs to, oldest first; empty for an unknown execution. */
    List<RunView> runs(long executionId);

    /** The latest run of each bake, newest first, optionally of one recipe only: {@link #latestExecutions}'s. */
    List<RunView> latestRuns(String recipe, int limit);

    /**
     * The recipe the bake of an execution stored, parsed, with the values of its secrets this
     * process holds; empty for an unknown execution.
     *
     * @throws RuntimeException when the bake was stored without its recipe, or it no longer loads
     */
    Optional<Recipe> recipe(long executionId);

    /** The bake an execution belongs to, as that execution left it (its stored recipe read once). */
    Optional<BakeView> view(long executionId);

    /**
     * The bake an execution belongs to, every run of it, as its latest execution left it: its steps
     * and regions with their errors and expected waits, its tests, its commands' output, its recipe.
     */
    Optional<BakeDetail> detail(long executionId);

    /** A recipe's latest bakes (every recipe's when {@code recipe} is null), newest first, one line each. */
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
     * Waits until an execution no longer runs (STOPPED, FAILED, COMPLETED...): the bake as it left
     * it; empty when it still runs after {@code timeout}.
     */
    Optional<BakeRef> awaitEnd(long executionId, Duration timeout) throws InterruptedException;

    /** Whether a bake, given its latest execution, can resume. */
    static boolean resumable(JobExecution last) {
        return switch (last.getStatus()) {
            case FAILED, STOPPED, STARTED, STARTING, STOPPING, UNKNOWN -> true;
            default -> false;
        };
    }
}
