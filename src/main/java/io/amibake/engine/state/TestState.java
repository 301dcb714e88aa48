package io.amibake.engine.state;

import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * The checkpoints of a test on one instance: for the image test, in the job's execution context (so a later step and a
 * resume see them) and the step's: the test instance, the tests done on it, the one running.
 */
public final class TestState {

    private static final String INSTANCE = "instance";
    private static final String ATTEMPT = "attempt";
    private static final String DONE = "done";
    private static final String PENDING = "pending";
    private static final String PASSED = "passedImage";
    private static final String READY = "ready";
    private static final String IMAGE = "image";

    private final List<ExecutionContext> contexts;
    private final ExecutionContext read;
    private final String prefix;

    private TestState(ExecutionContext read, List<ExecutionContext> contexts, String prefix) {
        this.read = read;
        this.contexts = contexts;
        this.prefix = prefix;
    }

    public static TestState of(ChunkContext chunk) {
        StepExecution step = chunk.getStepContext().getStepExecution();
        ExecutionContext job = step.getJobExecution().getExecutionContext();
        return new TestState(job, List.of(job, step.getExecutionContext()), "test.");
    }

    /**
     * A test whose checkpoints live in one context under {@code prefix}: a region's partition
     * tests its copy, or one of the instances it deploys, without sharing the job's context.
     */
    public static TestState in(ExecutionContext context, String prefix) {
        return new TestState(context, List.of(context), prefix);
    }

    /** The test instance launched and not yet known to be terminated, or null. */
    public String instanceId() {
        return read.containsKey(prefix + INSTANCE) ? read.getString(prefix + INSTANCE) : null;
    }

    /** A new test instance: nothing has run on it yet. */
    public void instanceId(String id) {
        put(INSTANCE, id);
        put(DONE, null);
        put(PENDING, null);
        put(READY, null);
        put(IMAGE, null);
    }

    /** The image the instance was launched from, when recorded, or null. */
    public String launchedFrom() {
        return read.containsKey(prefix + IMAGE) ? read.getString(prefix + IMAGE) : null;
    }

    public void launchedFrom(String imageId) {
        put(IMAGE, imageId);
    }

    /** Whether this execution saw the instance running with its agent online: no need to look again. */
    public boolean ready(long execution) {
        return read.containsKey(prefix + READY) && read.getLong(prefix + READY) == execution;
    }

    public void markReady(long execution) {
        put(READY, execution);
    }

    /** How many test instances this bake launched before the current one: part of the client token. */
    public int attempt() {
        return read.containsKey(prefix + ATTEMPT) ? read.getInt(prefix + ATTEMPT) : 0;
    }

    public void nextAttempt() {
        put(ATTEMPT, attempt() + 1);
    }

    @SuppressWarnings("unchecked")
    public List<String> done() {
        Object value = read.get(prefix + DONE);
        return value == null ? List.of() : List.copyOf((List<String>) value);
    }

    public void done(String key) {
        List<String> done = new ArrayList<>(done());
        done.add(key);
        put(DONE, done);
        put(PENDING, null);
    }

    /** The test sent and not seen to end, as the command step's pending text, or null. */
    public String pending() {
        return read.containsKey(prefix + PENDING) ? read.getString(prefix + PENDING) : null;
    }

    public void pending(String pending) {
        put(PENDING, pending);
    }

    /** The image whose tests all passed, or null. */
    public String passedImage() {
        return read.containsKey(prefix + PASSED) ? read.getString(prefix + PASSED) : null;
    }

    public void passed(String imageId) {
        put(PASSED, imageId);
    }

    /** Forgets the instance and its verdict: the next move launches a new one. */
    public void forget() {
        put(PASSED, null);
        instanceId(null);
        nextAttempt();
    }

    private void put(String name, Object value) {
        String key = prefix + name;
        for (ExecutionContext context : contexts) {
            if (value == null) {
                context.remove(key);
            } else {
                context.put(key, value);
            }
        }
    }
}
