package io.amibake.engine.job;

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
            // Only a job started by the bake service has a run; the job bean must not be launched otherwise.
            throw new IllegalStateException("bake " + bakeId + " is not running in this process");
        }
        return run;
    }

    BakeRun of(JobExecution execution) {
        return of(execution.getJobParameters().getString(BakeParameters.BAKE));
    }

    /** Asks one bake running in this process, if it runs here, to stop at its next look. */
    public void requestStop(String bakeId) {
        BakeRun run = runs.get(bakeId);
        if (run != null) {
            run.stop().raise();
        }
    }
}
