package io.amibake.engine.job;

import io.amibake.engine.state.BakeState;
import io.amibake.cloud.RequestCounter;
import java.util.HashMap;
import java.util.Map;

/**
 * The requests of every run of a bake: those its earlier runs left in its state, plus this run's,
 * counted from this run's clients since the run began.
 */
public final class RequestTally {

    private final RequestCounter counter;
    private volatile Map<String, Long> atStart = Map.of();
    private volatile Map<String, Long> ofEarlierRuns = Map.of();
    private volatile Map<String, Long> retriesAtStart = Map.of();

    public RequestTally(RequestCounter counter) {
        this.counter = counter;
    }

    /** Marks where this run begins. */
    void begin(BakeState state) {
        atStart = counter.snapshot();
        ofEarlierRuns = Map.copyOf(state.requests());
        retriesAtStart = counter.retries();
    }

    /**
     * Puts the requests of every run so far in the bake's state. Called before every checkpoint,
     * so a run killed outright still has its requests counted by the resume.
     */
    Map<String, Long> count(BakeState state) {
        Map<String, Long> requests = new HashMap<>(ofEarlierRuns);
        counter.snapshot().forEach((operation, count) ->
                requests.merge(operation, count - atStart.getOrDefault(operation, 0L), Long::sum));
        requests.values().removeIf(count -> count == 0);
        state.requests(requests);
        return requests;
    }

    /** Adds this run's retried requests to the bake's state, once, as the run ends. */
    void countRetries(BakeState state) {
        Map<String, Long> retries = new HashMap<>(state.retries());
        counter.retries().forEach((operation, count) ->
                retries.merge(operation, count - retriesAtStart.getOrDefault(operation, 0L), Long::sum));
        state.retries(retries);
    }
}
