package io.amibake.engine.wait;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.batch.core.job.JobInterruptedException;

/**
 * Waits for many resources of one kind in one region with shared requests: whenever any waiter
 * is due, one describe call asks about every pending id, and every waiter whose resource is
 * settled wakes at once. A waiter is due on its own {@link PollPlan}, so a fleet of waits costs
 * requests per region, not per resource.
 * <p>
 * Bakes of one process share a poller through {@link #forWaiter}: each bake's handle keeps its own
 * describe call (its clients, so a look is counted on the bake that sent it), pacing plan and stop
 * signal, and one look answers every bake's pending ids.
 *
 * @param <S> what a describe call tells about one resource; absent when the cloud does not know it
 */
public final class SharedPoller<S> {

    /** A look this much before a waiter's due time is fresh enough to answer it. */
    private static final double FRESHNESS = 0.2;

    private record Look<S>(S value, long atNanos) {
    }

    /** What the handles of one shared poller have in common: the ids waited on and what was seen of them. */
    private static final class Board<S> {
        /** Each pending id with how many waits are on it. */
        final Map<String, Integer> pending = new ConcurrentHashMap<>();
        final Map<String, Look<S>> latest = new ConcurrentHashMap<>();
        final Object describing = new Object();
        final Object news = new Object();
    }

    private final Function<Set<String>, Map<String, S>> describe;
    private final Pacing plan;
    private final BooleanSupplier stopRequested;
    private final Board<S> board;
    private final Map<String, Integer> pending;
    private final Map<String, Look<S>> latest;
    private final Object describing;
    private final Object news;

    private final PollClock clock;

    public SharedPoller(Function<Set<String>, Map<String, S>> describe, Pacing plan, BooleanSupplier stopRequested) {
        this(describe, plan, stopRequested, PollClock.SYSTEM);
    }

    SharedPoller(Function<Set<String>, Map<String, S>> describe, Pacing plan, BooleanSupplier stopRequested,
                 PollClock clock) {
        this(describe, plan, stopRequested, clock, new Board<>());
    }

    private SharedPoller(Function<Set<String>, Map<String, S>> describe, Pacing plan, BooleanSupplier stopRequested,
                         PollClock clock, Board<S> board) {
        this.describe = describe;
        this.plan = plan;
        this.stopRequested = stopRequested;
        this.clock = clock;
        this.board = board;
        this.pending = board.pending;
        this.latest = board.latest;
        this.describing = board.describing;
        this.news = board.news;
    }

    /**
     * A handle on this poller for another waiter (a bake): its waits are paced by {@code plan} and
     * ended by {@code stopRequested}, and a look it makes goes through {@code describe} and asks
     * about every id pending on any handle.
     */
    public SharedPoller<S> forWaiter(Function<Set<String>, Map<String, S>> describe, Pacing plan,
                                     BooleanSupplier stopRequested) {
        return new SharedPoller<>(describe, plan, stopRequested, clock, board);
    }

    /**
     * Blocks until {@code settled} says the resource is done, and returns what was last seen of
     * it (null if the cloud no longer knows it and {@code settled} accepts that).
     *
     * @param expected how long the wait should last, or null; asked again before every look, so
     *                 it may sharpen while the wait goes on (a copy's progress predicts its end)
     * @param settled  null while the resource is still on its way; otherwise {@code true} when it
     *                 arrived, or the wait fails with the message {@code failure} gives
     * @param failure  why a settled resource is a failure, or null when it succeeded
     */
    public S await(String id, String what, Supplier<Expectation> expected, Duration timeout,
                   Function<S, Boolean> settled, Function<S, String> failure) throws JobInterruptedException {
        return await(id, what, false, expected, timeout, settled, failure, (start, pending, done) -> { });
    }

    /** Tells when the wait began, when the resource was last seen unsettled (-1 when never) and first seen settled. */
    public interface Bracket {
        void settledBetween(long startNanos, long lastPendingNanos, long settledNanos);
    }

    /**
     * As above, and reports the interval in which the resource settled, to learn from.
     *
     * @param lookNow look at once instead of when the plan says: the resource was started
     *                earlier (a resume), so what is already known says nothing about when it ends
     */
    public S await(String id, String what, boolean lookNow, Supplier<Expectation> expected, Duration timeout,
                   Function<S, Boolean> settled, Function<S, String> failure, Bracket bracket)
            throws JobInterruptedException {
        return await(id, what, lookNow, expected, timeout, settled, failure, bracket, (seen, waited, timedOut) -> { });
    }

    /**
     * Looks the waiter takes beside its own, when a look alone cannot tell whether the wait can
     * still end well: a wait on an instance's agent or command reads the instance itself once
     * it is overdue. Called after every look that did not settle, and once more at the timeout
     * (before the wait gives up); it throws {@link WaitFailedException} to end the wait.
     */
    public interface Watch<S> {
        /**
         * @param seen     what the last look saw (null before any look, or when the cloud does not know it)
         * @param waited   time since the wait began
         * @param timedOut whether the wait is about to give up
         */
        void afterLook(S seen, Duration waited, boolean timedOut);
    }

    /** As above, with a {@link Watch} after every unsettled look. */
    public S await(String id, String what, boolean lookNow, Supplier<Expectation> expected, Duration timeout,
                   Function<S, Boolean> settled, Function<S, String> failure, Bracket bracket, Watch<S> watch)
            throws JobInterruptedException {
        long start = clock.nanoTime();
        S last = null;
        long lastSeen = start;
        long lastPending = -1;
        pending.merge(id, 1, Integer::sum);
        try {
            while (true) {
                Duration sinceStart = Duration.ofNanos(clock.nanoTime() - start);
                if (sinceStart.compareTo(timeout) > 0) {
                    watch.afterLook(last, sinceStart, true);
                    throw new WaitTimedOutException(what, timeout);
                }
                // Paced from the last look, so looks are never further apart than the plan allows.
                Duration delay = lookNow ? Duration.ZERO : plan.nextDelay(Duration.ofNanos(lastSeen - start), expected.get());
                lookNow = false;
                long due = lastSeen + delay.toNanos();
                Look<S> look = sleepUntil(id, due, lastSeen, settled);
                if (look == null) {
                    look = lookAt(id, Math.max(lastSeen + 1, due - (long) (delay.toNanos() * FRESHNESS)));
                }
                Boolean done = settled.apply(look.value());
                if (done == null) {
                    lastPending = look.atNanos();
                }
                lastSeen = look.atNanos();
                last = look.value();
                if (done == null) {
                    watch.afterLook(look.value(), Duration.ofNanos(lastSeen - start), false);
                } else {
                    bracket.settledBetween(start, lastPending, look.atNanos());
                    String reason = failure.apply(look.value());
                    if (reason != null) {
                        throw new WaitFailedException(what + ": " + reason);
                    }
                    return look.value();
                }
            }
        } finally {
            release(id);
        }
    }

    /**
     * What the cloud says of {@code id} now: the latest look when it was made after
     * {@code freshAfterNanos} (another waiter's, say), else a new look, which asks about every id
     * pending on this poller too and so answers their waits as well. For a waiter that needs one
     * reading beside its own wait (null when the cloud does not know the resource).
     */
    public S peek(String id, long freshAfterNanos) {
        pending.merge(id, 1, Integer::sum);
        try {
            return lookAt(id, freshAfterNanos).value();
        } finally {
            release(id);
        }
    }

    /** The time this poller reads: what {@link #peek}'s freshness is measured in. */
    long now() {
        return clock.nanoTime();
    }

    /** The last wait on an id forgets it, so a long-lived poller does not grow. */
    private void release(String id) {
        pending.compute(id, (k, waits) -> {
            if (waits == null || waits <= 1) {
                latest.remove(k);
                return null;
            }
            return waits - 1;
        });
    }

    /** Sleeps until due, or returns early with another waiter's look that settled this resource. */
    private Look<S> sleepUntil(String id, long due, long lastSeen, Function<S, Boolean> settled)
            throws JobInterruptedException {
        synchronized (news) {
            while (true) {
                if (stopRequested.getAsBoolean()) {
                    throw new JobInterruptedException("the bake was asked to stop");
                }
                Look<S> look = latest.get(id);
                if (look != null && look.atNanos() > lastSeen && settled.apply(look.value()) != null) {
                    return look;
                }
                long remaining = due - clock.nanoTime();
                if (remaining <= 0) {
                    return null;
                }
                try {
                    // Wake at least every 200 ms to notice a stop request.
                    long millis = Math.min(Math.max(remaining / 1_000_000, 1), 200);
                    clock.waitOn(news, millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new JobInterruptedException("interrupted while waiting");
                }
            }
        }
    }

    private Look<S> lookAt(String id, long freshAfter) {
        synchronized (describing) {
            Look<S> look = latest.get(id);
            if (look != null && look.atNanos() >= freshAfter) {
                return look;
            }
            Set<String> ids = Set.copyOf(pending.keySet());
            Map<String, S> found = describe.apply(ids);
            long now = clock.nanoTime();
            for (String each : ids) {
                Look<S> seen = new Look<>(found.get(each), now);
                // Only for ids still waited on: a wait that ended meanwhile has forgotten its id.
                pending.computeIfPresent(each, (k, waits) -> {
                    latest.put(k, seen);
                    return waits;
                });
            }
            synchronized (news) {
                news.notifyAll();
            }
            return new Look<>(found.get(id), now);
        }
    }
}
