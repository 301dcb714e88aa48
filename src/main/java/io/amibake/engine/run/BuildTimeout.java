package io.amibake.engine.run;

import io.amibake.engine.wait.StopSignal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code build.timeout} for one run of a bake: raises the run's stop signal once the clock shows
 * the deadline passed. The clock is the system's against AWS; against a sandbox whose time runs
 * faster, it can be the sandbox's, so that the timeout scales with every other duration of the
 * bake. The clock is read a few times a second rather than slept on, because a scaled clock's
 * deadline cannot be turned into a wall-clock delay.
 */
final class BuildTimeout implements AutoCloseable {

    /** How often the clock is read: the timeout's resolution in wall time. */
    private static final long LOOK_MILLIS = 50;

    private final Instant deadline;
    private final Clock clock;
    private final StopSignal stop;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "amibake-timeout");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean expired;

    private BuildTimeout(Duration timeout, Clock clock, StopSignal stop) {
        this.deadline = clock.instant().plus(timeout);
        this.clock = clock;
        this.stop = stop;
    }

    static BuildTimeout start(Duration timeout, Clock clock, StopSignal stop) {
        BuildTimeout watchdog = new BuildTimeout(timeout, clock, stop);
        watchdog.timer.scheduleWithFixedDelay(watchdog::look, LOOK_MILLIS, LOOK_MILLIS, TimeUnit.MILLISECONDS);
        return watchdog;
    }

    private void look() {
        if (!expired && !clock.instant().isBefore(deadline)) {
            expired = true;
            stop.raise();
        }
    }

    /** Whether the run reached its deadline and was asked to stop. */
    boolean expired() {
        return expired;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
