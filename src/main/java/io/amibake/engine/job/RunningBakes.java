package io.amibake.engine.job;

import io.amibake.engine.run.BakeRunner;
import io.amibake.engine.state.BakeParameters;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * The bakes running in this process, by bake id: how the job, one bean for every bake, reaches
 * the run an execution belongs to. A scheduler runs several at once.
 */
@Component
public class RunningBakes {

    private final Map<String, BakeRun> runs = new ConcurrentHashMap<>();

    public void add(BakeRun run) {
        if (runs.putIfAbsent(run.bakeId(), run) != null) {
            throw new IllegalStateException("bake " + run.bakeId() + " is already running in this process");
        }
    }

    public void remove(BakeRun run) {
        runs.remove(run.bakeId(), run);
    }

    /** The run of a bake running in this process. */
    public BakeRun of(String bakeId) {
        BakeRun run = runs.get(bakeId);
        if (run == null) {
            // Only a job started by BakeRunner has a run; the job bean must not be launched otherwise.
            throw new IllegalStateException("bake " + bakeId + " is not running in this process");
        }
        return run;
    }

    BakeRun of(JobExecution execution) {
        return of(execution.getJobParameters().getString(BakeParameters.BAKE));
    }

    /** Asks every bake running in this process to stop at its next look. */
    public void requestStop() {
        runs.values().forEach(run -> run.stop().raise());
    }

    /** Asks the recipe's bakes running in this process, if any, to stop at their next look. */
    public void requestStop(String recipe) {
        runs.values().stream().filter(run -> run.recipeName().equals(recipe)).forEach(run -> run.stop().raise());
    }
}
