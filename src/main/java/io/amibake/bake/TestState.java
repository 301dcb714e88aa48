package io.amibake.bake;

import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * The checkpoints of the image test, in the job's execution context (so a later step and a
 * resume see them) and the step's: the test instance, the tests done on it, the one running.
 */
final class TestState {

    private static final String INSTANCE = "test.instance";
    private static final String ATTEMPT = "test.attempt";
    private static final String DONE = "test.done";
    private static final String PENDING = "test.pending";
    private static final String PASSED = "test.passedImage";

    private final List<ExecutionContext> contexts;
    private final ExecutionContext job;

    private TestState(StepExecution step) {
        this.job = step.getJobExecution().getExecutionContext();
        this.contexts = List.of(job, step.getExecutionContext());
    }

    static TestState of(ChunkContext chunk) {
        return new TestState(chunk.getStepContext().getStepExecution());
    }

    /** The test instance launched and not yet known to be terminated, or null. */
    String instanceId() {
        return job.containsKey(INSTANCE) ? job.getString(INSTANCE) : null;
    }

    /** A new test instance: nothing has run on it yet. */
    void instanceId(String id) {
        put(INSTANCE, id);
        put(DONE, null);
        put(PENDING, null);
    }

    /** How many test instances this bake launched before the current one: part of the client token. */
    int attempt() {
        return job.containsKey(ATTEMPT) ? job.getInt(ATTEMPT) : 0;
    }

    void nextAttempt() {
        put(ATTEMPT, attempt() + 1);
    }

    @SuppressWarnings("unchecked")
    List<String> done() {
        Object value = job.get(DONE);
        return value == null ? List.of() : List.copyOf((List<String>) value);
    }

    void done(String key) {
        List<String> done = new ArrayList<>(done());
        done.add(key);
        put(DONE, done);
        put(PENDING, null);
    }

    /** The test sent and not seen to end, as {@link RunCommandsStep.Pending}'s text, or null. */
    String pending() {
        return job.containsKey(PENDING) ? job.getString(PENDING) : null;
    }

    void pending(String pending) {
        put(PENDING, pending);
    }

    /** The image whose tests all passed, or null. */
    String passedImage() {
        return job.containsKey(PASSED) ? job.getString(PASSED) : null;
    }

    void passed(String imageId) {
        put(PASSED, imageId);
    }

    private void put(String key, Object value) {
        for (ExecutionContext context : contexts) {
            if (value == null) {
                context.remove(key);
            } else {
                context.put(key, value);
            }
        }
    }
}
