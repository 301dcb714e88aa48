package io.amibake.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler's heartbeat in {@link ScheduleStore}, a third of {@code aliveFor} apart, and how
 * it judges another scheduler alive: by its heartbeat, or on this host by its process.
 */
final class SchedulerHeartbeat implements AutoCloseable {

    private final ScheduleStore store;
    private final Clock clock;
    private final String owner;
    private final String host;
    private final Duration aliveFor;
    private final long pid = ProcessHandle.current().pid();
    /**
     * With the pid, tells this process from an earlier one that had the same pid. Wall time, as the
     * operating system's start time of a process that reused the pid is compared with it.
     */
    private final Instant processStarted = ProcessHandle.current().info().startInstant().orElse(Instant.now());
    private Instant nextBeat;
    private Instant nextSweep;
    private ScheduledExecutorService timer;

    /**
     * @param host     this host, as leases name it: a scheduler of this host whose process is gone
     *                 is known dead at once; null to judge by heartbeats alone
     * @param aliveFor how long a scheduler counts as alive after its last heartbeat
     */
    SchedulerHeartbeat(ScheduleStore store, Clock clock, String owner, String host, Duration aliveFor) {
        this.store = store;
        this.clock = clock;
        this.owner = owner;
        this.host = host;
        this.aliveFor = aliveFor;
    }

    /** Beats on a thread of its own: a look may wait on the database or on a slot being launched. */
    synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "amibake-schedule-alive");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                beatIfDue();
            } catch (RuntimeException databaseUnreachable) {
                // The next beat tries again; the heartbeat outlives two missed ones.
            }
        }, 0, Math.max(100, aliveFor.toMillis() / 3), TimeUnit.MILLISECONDS);
    }

    synchronized void beatIfDue() {
        Instant now = clock.instant();
        if (nextBeat == null || !now.isBefore(nextBeat)) {
            store.alive(owner, host == null ? "" : host, pid, processStarted, now);
            nextBeat = now.plus(aliveFor.dividedBy(3));
        }
    }

    /** Whether it is time to look for slots left running again: as often as the heartbeat. */
    synchronized boolean sweepDue(Instant now) {
        if (nextSweep != null && now.isBefore(nextSweep)) {
            return false;
        }
        nextSweep = now.plus(aliveFor.dividedBy(3));
        return true;
    }

    /**
     * Whether the scheduler {@code other} is alive: it beat within {@code aliveFor}, and on this
     * host its process (the same one, not a later one with its pid) still runs.
     */
    boolean alive(String other) {
        Optional<ScheduleStore.Heartbeat> beat = store.heartbeat(other);
        if (beat.isEmpty()) {
            return false;
        }
        if (host != null && host.equals(beat.get().host())) {
            Optional<ProcessHandle> process = ProcessHandle.of(beat.get().pid());
            if (process.isEmpty() || !process.get().isAlive() || process.get().info().startInstant()
                    .map(started -> started.isAfter(beat.get().startedAt())).orElse(false)) {
                return false;
            }
        }
        return beat.get().aliveAt().plus(aliveFor).isAfter(clock.instant());
    }

    /** Stops beating and removes the heartbeat: a clean stop is not a death. */
    @Override
    public void close() {
        synchronized (this) {
            if (timer != null) {
                timer.shutdownNow();
            }
        }
        try {
            store.gone(owner);
        } catch (RuntimeException databaseUnreachable) {
            // Its heartbeat goes stale instead, and the others judge by that.
        }
    }
}
