package io.amibake.engine.wait;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The pollers the bakes of one process share, one per account, region and kind of describe call,
 * so that a fleet of bakes waiting in a region costs one describe call per look, not one per bake
 * (DescribeImages and DescribeInstances take many ids at once).
 * Also the copies' progress, which a look at one bake's copies may read for another's, and when
 * the commands pending in a region were sent, which lets one listing read them all.
 */
public final class SharedPollers {

    private final Map<String, SharedPoller<?>> pollers = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Progress>> copyProgress = new ConcurrentHashMap<>();
    private final Map<String, Map<String, java.time.Instant>> commandsSent = new ConcurrentHashMap<>();

    /**
     * A waiter's handle on the poller named {@code key}: looks it makes go through its own
     * {@code describe}, its waits follow its own plan and stop signal.
     */
    @SuppressWarnings("unchecked")
    <S> SharedPoller<S> poller(String key, Function<Set<String>, Map<String, S>> describe, Pacing plan,
                               BooleanSupplier stopRequested) {
        // The shared poller itself is only a board for its handles: it keeps no bake's clients.
        SharedPoller<S> shared = (SharedPoller<S>) pollers.computeIfAbsent(key,
                k -> new SharedPoller<>(ids -> Map.of(), plan, () -> true));
        return shared.forWaiter(describe, plan, stopRequested);
    }

    /** When the commands this process sent and waits on were sent, by command id, per account and region. */
    Map<String, java.time.Instant> commandsSent(String accountAndRegion) {
        return commandsSent.computeIfAbsent(accountAndRegion, r -> new ConcurrentHashMap<>());
    }

    /** The progress of the copies pending in a region, by image id. */
    Map<String, Progress> copyProgress(String region) {
        return copyProgress.computeIfAbsent(region, r -> new ConcurrentHashMap<>());
    }
}
